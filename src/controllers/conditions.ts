/** Flux-style readiness of one resource: Ready, still converging, or stuck until something changes. */
export type ConditionType = "Ready" | "Reconciling" | "Stalled";

export interface ResourceCondition {
  readonly type: ConditionType;
  /** CamelCase machine-readable cause, e.g. RolloutInProgress. */
  readonly reason: string;
  readonly message: string;
}
