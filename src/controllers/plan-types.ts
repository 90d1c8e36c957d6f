/** One field that a change sets, for terraform-like plans: `before` undefined means added. */
export interface FieldChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export type Outcome = "create" | "update" | "delete" | "noop" | "blocked";

/** The plan for one resource: what will happen, why, and the actions (data) that do it. */
export interface ResourcePlan<A> {
  readonly kind: string;
  readonly name: string;
  readonly outcome: Outcome;
  readonly reason: string;
  readonly changes: readonly FieldChange[];
  readonly actions: readonly A[];
}
