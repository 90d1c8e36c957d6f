import path from "node:path";
import { applyEcsPlan } from "../controllers/ecs/apply.js";
import { SdkEcsApi } from "../controllers/ecs/ecs-client.js";
import { type EcsFlags, type EcsPlanned, planEcsForSet } from "../controllers/ecs/reconcile.js";
import { waitForRollouts } from "../controllers/ecs/wait.js";
import { FileInventoryStore } from "../inventory/store.js";
import { createLogger } from "../runtime/logger.js";
import { formatDiagnostic } from "../specs/diagnostic.js";
import { loadManifestDir, type ManifestSet } from "../specs/loader.js";
import { ownerId } from "../specs/resolve.js";
import { type CliIO, EXIT } from "./io.js";
import { hasChanges, paint, planJson, renderPlan, summarizePlan } from "./render-plan.js";

/** Settings read from the environment once, at the entry point. */
export interface CliEnv {
  readonly awsRegion: string | undefined;
  readonly logLevel: string;
}

export interface EcsCommandOptions extends EcsFlags {
  readonly dir: string;
  readonly output: "text" | "json";
  /** Inventory file; default .ecsmesh/inventory/<cluster>/<owner>.json under the working directory. */
  readonly inventory: string | undefined;
  readonly wait: boolean;
  readonly timeoutMs: number;
}

/** Exit code of `plan` when it would change something (terraform's -detailed-exitcode). */
export const EXIT_CHANGES = 2;

async function loadValid(dir: string, io: CliIO): Promise<ManifestSet | undefined> {
  const loaded = await loadManifestDir(dir);
  if (loaded.ok) return loaded.set;
  for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  io.err(`${dir}: invalid manifests; nothing was read from or sent to ECS\n`);
  return undefined;
}

function connect(set: ManifestSet, options: EcsCommandOptions, env: CliEnv) {
  const mesh = set.mesh.manifest;
  const region = mesh.spec.ecs.region;
  if (env.awsRegion && env.awsRegion !== region) {
    throw new Error(
      `AWS_REGION is ${env.awsRegion} but the Mesh's ecs.region is ${region}; refusing to guess`,
    );
  }
  const file =
    options.inventory ?? path.join(".ecsmesh", "inventory", mesh.spec.ecs.cluster, `${ownerId(mesh)}.json`);
  const log = createLogger({ level: env.logLevel });
  return { api: new SdkEcsApi({ region }), store: new FileInventoryStore(file), cache: new Map(), log };
}

function header(set: ManifestSet, location: string): string {
  const mesh = set.mesh.manifest;
  return `ECS cluster ${mesh.spec.ecs.cluster} in ${mesh.spec.ecs.region} (owner ${ownerId(mesh)}, inventory ${location})`;
}

function planReport(planned: EcsPlanned, set: ManifestSet, location: string) {
  return {
    cluster: set.mesh.manifest.spec.ecs.cluster,
    inventory: location,
    summary: summarizePlan(planned.plan),
    massPruneRefused: planned.plan.massPruneRefused ?? null,
    resources: planJson(planned.plan.resources),
  };
}

/** `ecsmesh plan DIR`: what apply would do; exit 0 nothing to do, 2 changes, 1 blocked or failed. */
export async function planCommand(options: EcsCommandOptions, env: CliEnv, io: CliIO): Promise<number> {
  const set = await loadValid(options.dir, io);
  if (!set) return EXIT.invalid;
  const deps = connect(set, options, env);
  const planned = await planEcsForSet(set, deps, options);
  if (options.output === "json")
    io.out(`${JSON.stringify(planReport(planned, set, deps.store.location), null, 2)}\n`);
  else io.out(renderPlan(planned.plan, header(set, deps.store.location), io.color));
  if (planned.plan.resources.some((r) => r.outcome === "blocked")) return EXIT.invalid;
  return hasChanges(planned.plan) ? EXIT_CHANGES : EXIT.ok;
}

/** `ecsmesh apply DIR`: executes the plan, with --wait follows the rollouts it started. */
export async function applyCommand(options: EcsCommandOptions, env: CliEnv, io: CliIO): Promise<number> {
  const set = await loadValid(options.dir, io);
  if (!set) return EXIT.invalid;
  const deps = connect(set, options, env);
  const planned = await planEcsForSet(set, deps, options);
  const text = options.output === "text";
  if (text) io.out(renderPlan(planned.plan, header(set, deps.store.location), io.color));
  const result = await applyEcsPlan(
    deps.api,
    planned.plan,
    planned.inventory,
    deps.store,
    deps.log,
    (event) => {
      if (!text) return;
      const mark = event.state === "done" ? paint("ok", 32, io.color) : paint("FAILED", 31, io.color);
      io.out(`  ${event.resource}: ${event.action} ${mark} ${event.detail}\n`);
    },
  );
  const failed = result.resources.filter((r) => r.error);
  let stalled = 0;
  let rollouts: Record<string, unknown> = {};
  if (options.wait) {
    const rolling = new Map(
      result.resources.filter((r) => !r.error && r.service).map((r) => [r.name, r.service?.taskDefinition]),
    );
    const conditions = await waitForRollouts(deps.api, set.mesh.manifest.spec.ecs.cluster, rolling, {
      intervalMs: 2_000,
      timeoutMs: options.timeoutMs,
      onChange: (name, c) => text && io.out(`  ${name}: ${c.type} (${c.reason}) ${c.message}\n`),
    });
    stalled = [...conditions.values()].filter((c) => c.type !== "Ready").length;
    rollouts = Object.fromEntries(conditions);
  }
  if (!text) {
    const applied = result.resources.map((r) => ({
      name: r.name,
      outcome: r.outcome,
      error: r.error ?? null,
    }));
    io.out(
      `${JSON.stringify({ plan: planReport(planned, set, deps.store.location), applied, rollouts }, null, 2)}\n`,
    );
  } else {
    io.out(
      `\nApplied: ${result.resources.length - failed.length} ok, ${failed.length} failed${options.wait ? `, ${stalled} not ready` : ""}.\n`,
    );
  }
  const blocked = planned.plan.resources.some((r) => r.outcome === "blocked");
  return failed.length > 0 || stalled > 0 || blocked ? EXIT.invalid : EXIT.ok;
}
