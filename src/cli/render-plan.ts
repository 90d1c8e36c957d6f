import type { EcsAction, EcsPlan } from "../controllers/ecs/plan.js";
import type { FieldChange, Outcome, ResourcePlan } from "../controllers/plan-types.js";

const SYMBOL: Record<Outcome, string> = { create: "+", update: "~", delete: "-", noop: " ", blocked: "!" };
const COLOR: Record<Outcome, number> = { create: 32, update: 33, delete: 31, noop: 0, blocked: 35 };

export function paint(text: string, code: number, color: boolean): string {
  return color && code !== 0 ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function show(value: unknown): string {
  return value === undefined ? "(none)" : JSON.stringify(value);
}

function changeLine(change: FieldChange): string {
  if (change.before === undefined) return `+ ${change.path} = ${show(change.after)}`;
  if (change.after === undefined) return `- ${change.path} (was ${show(change.before)})`;
  return `~ ${change.path}: ${show(change.before)} -> ${show(change.after)}`;
}

export function summarizePlan(plan: EcsPlan): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { create: 0, update: 0, delete: 0, noop: 0, blocked: 0 };
  for (const resource of plan.resources) counts[resource.outcome]++;
  return counts;
}

export function hasChanges(plan: EcsPlan): boolean {
  return plan.resources.some((r) => r.actions.length > 0 && r.outcome !== "blocked");
}

/** A terraform-like plan: one line per resource, then its field-level changes. */
export function renderPlan(plan: EcsPlan, header: string, color: boolean): string {
  const lines = [header, ""];
  for (const resource of plan.resources) {
    const label = resource.outcome === "noop" ? "no change" : resource.outcome;
    const line = `${SYMBOL[resource.outcome]} ${resource.kind} ${resource.name}: ${label} (${resource.reason})`;
    lines.push(paint(line, COLOR[resource.outcome], color));
    for (const change of resource.changes) lines.push(`    ${changeLine(change)}`);
    for (const action of resource.actions) {
      if (action.verb === "deregister-task-definition")
        lines.push(`    - task definition ${action.arn} (older than the revisions kept)`);
    }
  }
  const c = summarizePlan(plan);
  lines.push(
    "",
    `Plan: ${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${c.noop} unchanged, ${c.blocked} blocked.`,
  );
  if (plan.massPruneRefused) lines.push(paint(`Mass prune refused: ${plan.massPruneRefused}`, 35, color));
  return `${lines.join("\n")}\n`;
}

export function planJson(resources: readonly ResourcePlan<EcsAction>[]): unknown[] {
  return resources.map((r) => ({
    kind: r.kind,
    name: r.name,
    outcome: r.outcome,
    reason: r.reason,
    changes: r.changes,
    actions: r.actions.map((a) => a.verb),
  }));
}
