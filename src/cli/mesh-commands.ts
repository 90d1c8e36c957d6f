import { hostname, userInfo } from "node:os";
import { loadManifestDir } from "../compile/load.js";
import { compileMesh } from "../compile/mesh.js";
import type { ResourceCondition } from "../controllers/conditions.js";
import type { ApplyResult } from "../controllers/ecs/apply.js";
import type { EcsFlags } from "../controllers/ecs/reconcile.js";
import { waitForRollouts } from "../controllers/ecs/wait.js";
import {
  type MeshReport,
  type MeshTargets,
  type RegistrationsReport,
  reconcileMesh,
  reconcileRegistrations,
  type TargetReport,
} from "../controllers/mesh.js";
import { acquireWriterLock, LockHeldError, type WriterLock } from "../inventory/lock.js";
import { formatDiagnostic } from "../specs/diagnostic.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import { ownerId } from "../specs/resolve.js";
import type { ScopedToken } from "../util/endpoint-trust.js";
import { createLogger, type Logger } from "../util/logger.js";
import { type CliIO, EXIT } from "./io.js";
import { connectMesh } from "./mesh-store.js";
import { hasChanges, paint, planJson, renderPlan, summarizePlan } from "./render-plan.js";

/** Settings read from the environment once, at the entry point. */
export interface CliEnv {
  readonly awsRegion: string | undefined;
  readonly logLevel: string;
  /** CONSUL_HTTP_ADDR: overrides the Mesh's consul.address (e.g. a local agent or a tunnel). */
  readonly consulAddress: string | undefined;
  /** CONSUL_HTTP_TOKEN: the only place the Consul token comes from, scoped to where it may go. */
  readonly consulToken: ScopedToken | undefined;
  /** ECSMESH_NAMERD_URL: overrides the Mesh's linkerd.namerd.url. */
  readonly namerdUrl: string | undefined;
  /** ECSMESH_TRUSTED_ENDPOINTS, as origins; none when absent. */
  readonly trustedEndpoints?: readonly string[];
}

export interface MeshCommandOptions extends EcsFlags {
  readonly dir: string;
  readonly output: "text" | "json";
  /**
   * Inventory file (and FILE.lock beside it); without it, the mesh's own Consul KV, where the
   * controller keeps it (see meshStore in mesh-store.ts).
   */
  readonly inventory: string | undefined;
  readonly wait: boolean;
  readonly timeoutMs: number;
  /** How long apply waits for another writer's lock before refusing (terraform's -lock-timeout). */
  readonly lockTimeoutMs: number;
}

/** Exit code of `plan` when it would change something (terraform's -detailed-exitcode). */
export const EXIT_CHANGES = 2;

async function loadValid(dir: string, io: CliIO): Promise<ManifestSet | undefined> {
  const loaded = await loadManifestDir(dir);
  if (loaded.ok) return loaded.set;
  for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  io.err(`${dir}: invalid manifests; nothing was read from or sent to any API\n`);
  return undefined;
}

/** Clients for every target the Mesh uses, configured from the Mesh and the standard environment. */
export function connect(
  set: ManifestSet,
  inventoryFile: string | undefined,
  env: CliEnv,
): MeshTargets & { log: Logger; lock: WriterLock } {
  const log = createLogger({ level: env.logLevel });
  const { targets, lock } = connectMesh(set, {
    awsRegion: env.awsRegion,
    consulAddress: env.consulAddress,
    consulToken: env.consulToken,
    namerdUrl: env.namerdUrl,
    trustedEndpoints: env.trustedEndpoints,
    inventoryFile,
    identity: `ecsmesh apply by ${userName()}@${hostname()} (pid ${process.pid})`,
    log,
  });
  return { ...targets, log, lock };
}

/** Who runs the command; a container user without a passwd entry has only a uid. */
function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}

function failed<T>(report: TargetReport<T> | undefined): boolean {
  return report !== undefined && !report.ok;
}

function otherTargetsChange(report: MeshReport): boolean {
  return (
    (report.cloudMap?.ok === true && report.cloudMap.value.changes.length > 0) ||
    (report.consul?.ok === true && report.consul.value.plan.changes.length > 0) ||
    (report.dtab?.ok === true && ["create", "update"].includes(report.dtab.value.action.verb))
  );
}

/** Consul's registration changes, or its error, in the plan's own style. */
function consulLines(consul: MeshReport["consul"], color: boolean): string[] {
  if (!consul) return [];
  if (!consul.ok) return [paint(`! Consul: ${consul.error.code}: ${consul.error.message}`, 31, color)];
  const { plan } = consul.value;
  return [
    ...plan.changes.map((c) => {
      const symbol = c.verb === "deregister" ? "-" : c.verb === "register" ? "+" : "~";
      return `${symbol} Consul registration ${c.id}: ${c.verb} (${c.reason})`;
    }),
    `Consul (node ${plan.node}): ${plan.changes.length} to change, ${plan.unchanged} unchanged, ${plan.transactions.length} transaction(s).`,
  ];
}

function consulJson(consul: MeshReport["consul"]): unknown {
  if (!consul) return null;
  if (!consul.ok) return { error: consul.error };
  const { plan } = consul.value;
  return {
    node: plan.node,
    changes: plan.changes,
    unchanged: plan.unchanged,
    transactions: plan.transactions.length,
  };
}

/** The non-ECS targets, in the plan's own style. */
function renderOtherTargets(report: MeshReport, color: boolean): string {
  const lines: string[] = [];
  const error = (target: string, r: { ok: false; error: { code: string; message: string } }) =>
    lines.push(paint(`! ${target}: ${r.error.code}: ${r.error.message}`, 31, color));
  if (report.cloudMap) {
    if (!report.cloudMap.ok) error("Cloud Map", report.cloudMap);
    else
      for (const c of report.cloudMap.value.changes)
        lines.push(paint(`+ ${c.kind} ${c.name}: create (${c.reason})`, 32, color));
  }
  if (report.consul) lines.push(...consulLines(report.consul, color));
  if (report.dtab) {
    if (!report.dtab.ok) error("namerd", report.dtab);
    else {
      const { action, namespace } = report.dtab.value;
      const symbol = action.verb === "noop" ? " " : action.verb === "drift" ? "!" : "~";
      lines.push(
        `${symbol} namerd dtab ${namespace}: ${action.verb === "noop" ? "no change" : action.verb} (${action.reason})`,
      );
    }
  }
  return lines.length === 0 ? "" : `\n${lines.join("\n")}\n`;
}

function header(set: ManifestSet, location: string): string {
  const mesh = set.mesh.manifest;
  return `ECS cluster ${mesh.spec.ecs.cluster} in ${mesh.spec.ecs.region} (owner ${ownerId(mesh)}, inventory ${location})`;
}

function reportJson(report: MeshReport, set: ManifestSet, location: string): unknown {
  const target = <T>(r: TargetReport<T> | undefined, value: (v: T) => unknown) =>
    r === undefined ? null : r.ok ? value(r.value) : { error: r.error };
  return {
    cluster: set.mesh.manifest.spec.ecs.cluster,
    inventory: location,
    ecs: target(report.ecs, (v) => ({
      summary: summarizePlan(v.planned.plan),
      massPruneRefused: v.planned.plan.massPruneRefused ?? null,
      resources: planJson(v.planned.plan.resources),
      applied:
        v.applied?.resources.map((r) => ({ name: r.name, outcome: r.outcome, error: r.error ?? null })) ??
        null,
    })),
    cloudMap: target(report.cloudMap, (v) => ({
      changes: v.changes,
      registries: Object.fromEntries(v.registries),
    })),
    consul: consulJson(report.consul),
    dtab: target(report.dtab, (v) => ({
      namespace: v.namespace,
      action: v.action.verb,
      reason: v.action.reason,
    })),
  };
}

function renderText(report: MeshReport, set: ManifestSet, location: string, color: boolean): string {
  const ecs = report.ecs.ok
    ? renderPlan(report.ecs.value.planned.plan, header(set, location), color)
    : `${header(set, location)}\n\n${paint(`! ECS: ${report.ecs.error.code}: ${report.ecs.error.message}`, 31, color)}\n`;
  return ecs + renderOtherTargets(report, color);
}

/** `ecsmesh plan DIR`: what apply would do; exit 0 nothing to do, 2 changes, 1 blocked or failed. */
export async function planCommand(options: MeshCommandOptions, env: CliEnv, io: CliIO): Promise<number> {
  const set = await loadValid(options.dir, io);
  if (!set) return EXIT.invalid;
  const { log, ...targets } = connect(set, options.inventory, env);
  const report = await reconcileMesh(compileMesh(set), targets, { dryRun: true, flags: options, log });
  const location = targets.ecs.store.location;
  io.out(
    options.output === "json"
      ? `${JSON.stringify(reportJson(report, set, location), null, 2)}\n`
      : renderText(report, set, location, io.color),
  );
  if (!report.ecs.ok || failed(report.consul) || failed(report.dtab) || failed(report.cloudMap))
    return EXIT.invalid;
  if (report.ecs.value.planned.plan.resources.some((r) => r.outcome === "blocked")) return EXIT.invalid;
  if (report.dtab?.ok && report.dtab.value.action.verb === "drift") return EXIT.invalid;
  return hasChanges(report.ecs.value.planned.plan) || otherTargetsChange(report) ? EXIT_CHANGES : EXIT.ok;
}

/** One target's part in an apply: whether it failed, and what it did or why it failed. */
interface TargetOutcome {
  readonly target: string;
  readonly failed: boolean;
  readonly detail: string;
}

function targetOutcome<T>(
  target: string,
  report: TargetReport<T> | undefined,
  detail: (value: T) => { failed: boolean; detail: string },
): TargetOutcome[] {
  if (!report) return [];
  if (!report.ok) return [{ target, failed: true, detail: `${report.error.code}: ${report.error.message}` }];
  return [{ target, ...detail(report.value) }];
}

/** Every target an apply touched, in pass order; the summary line and the exit code both come from it. */
function applyOutcomes(
  report: MeshReport,
  rollouts: ReadonlyMap<string, ResourceCondition> | undefined,
): TargetOutcome[] {
  const done = (detail: string) => ({ failed: false, detail });
  const notReady = [...(rollouts?.values() ?? [])].filter((c) => c.type !== "Ready").length;
  return [
    ...targetOutcome("Cloud Map", report.cloudMap, (v) => done(`${v.changes.length} created`)),
    ...targetOutcome("ECS", report.ecs, ({ planned, applied }) => {
      const resources = applied?.resources ?? [];
      const failed = resources.filter((r) => r.error).length;
      const blocked = planned.plan.resources.filter((r) => r.outcome === "blocked").length;
      return {
        failed: failed > 0 || blocked > 0,
        detail: `${resources.length - failed} ok, ${failed} failed, ${blocked} blocked`,
      };
    }),
    ...(rollouts
      ? [
          {
            target: "rollouts",
            failed: notReady > 0,
            detail: `${rollouts.size - notReady} ready, ${notReady} not ready`,
          },
        ]
      : []),
    ...targetOutcome("running tasks", report.tasks, (v) => done(`${v.length} observed`)),
    // Consul is not called when the running tasks could not be observed.
    ...(report.tasks?.ok === false && report.consul
      ? [
          {
            target: "Consul",
            failed: true,
            detail: "not reconciled: the running tasks could not be observed",
          },
        ]
      : targetOutcome("Consul", report.consul, (v) =>
          done(`${v.plan.changes.length} changed, ${v.plan.unchanged} unchanged`),
        )),
    ...targetOutcome("namerd", report.dtab, (v) =>
      done(v.action.verb === "noop" ? "no change" : v.action.verb),
    ),
  ];
}

/** "Applied: …" only when every target succeeded; otherwise it names the ones that failed first. */
function summaryLine(outcomes: readonly TargetOutcome[]): string {
  const failed = outcomes.filter((o) => o.failed).map((o) => o.target);
  const parts = outcomes.map((o) => `${o.target}${o.failed ? " FAILED" : ""}: ${o.detail}`).join("; ");
  return failed.length === 0 ? `Applied: ${parts}.` : `Apply failed (${failed.join(", ")}): ${parts}.`;
}

/**
 * Takes the mesh's writer lock for a CLI write, waiting up to `timeoutMs`; false (with the holder
 * named on stderr) when another writer keeps it. The caller releases it with `lock.stop()`.
 */
export async function takeWriterLock(lock: WriterLock, timeoutMs: number, io: CliIO): Promise<boolean> {
  let waiting = false;
  try {
    await acquireWriterLock(lock, timeoutMs, 1_000, (state) => {
      if (!waiting) io.err(`waiting for the mesh's writer lock (${lock.location}): ${state.message}\n`);
      waiting = true;
    });
    return true;
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    io.err(
      `ecsmesh: another writer holds this mesh's lock (${lock.location}): ${error.state.message}. Nothing was changed. ` +
        "Wait for it to finish (--lock-timeout 2m waits); a writer that was killed frees a Consul lock within 20 s.\n",
    );
    return false;
  }
}

/**
 * `ecsmesh apply DIR`: executes the plan on every target; with --wait follows the ECS rollouts it
 * started, then registers in Consul what runs once they are over.
 */
export async function applyCommand(options: MeshCommandOptions, env: CliEnv, io: CliIO): Promise<number> {
  const set = await loadValid(options.dir, io);
  if (!set) return EXIT.invalid;
  const { log, lock, ...targets } = connect(set, options.inventory, env);
  if (!(await takeWriterLock(lock, options.lockTimeoutMs, io))) return EXIT.invalid;
  // Ctrl-C: the calls in flight finish and are recorded, nothing new starts; a second Ctrl-C kills.
  const interruption = new AbortController();
  const interrupt = () => {
    io.err("\ninterrupted: finishing the calls in flight, starting nothing new (Ctrl-C again to kill)\n");
    interruption.abort();
  };
  process.once("SIGINT", interrupt);
  try {
    return await applyLocked(set, targets, log, options, io, interruption.signal);
  } finally {
    process.removeListener("SIGINT", interrupt);
    await lock.stop();
  }
}

async function applyLocked(
  set: ManifestSet,
  targets: MeshTargets,
  log: Logger,
  options: MeshCommandOptions,
  io: CliIO,
  signal: AbortSignal,
): Promise<number> {
  const text = options.output === "text";
  const desired = compileMesh(set);
  const report = await reconcileMesh(desired, targets, {
    dryRun: false,
    flags: options,
    log,
    signal,
    onProgress: (event) => {
      if (!text) return;
      const mark = event.state === "done" ? paint("ok", 32, io.color) : paint("FAILED", 31, io.color);
      io.out(`  ${event.resource}: ${event.action} ${mark} ${event.detail}\n`);
    },
  });
  const location = targets.ecs.store.location;
  let rollouts: Map<string, ResourceCondition> | undefined;
  let registered: RegistrationsReport | undefined;
  const applied = report.ecs.ok ? report.ecs.value.applied : undefined;
  if (options.wait && applied && !signal.aborted) {
    const rolling = new Map(
      applied.resources.filter((r) => !r.error && r.service).map((r) => [r.name, r.service?.taskDefinition]),
    );
    rollouts = await waitForRollouts(targets.ecs.api, set.mesh.manifest.spec.ecs.cluster, rolling, {
      intervalMs: 2_000,
      timeoutMs: options.timeoutMs,
      onChange: (name, c) => text && io.out(`  ${name}: ${c.type} (${c.reason}) ${c.message}\n`),
    });
    if (rolling.size > 0) {
      // The pass registered the tasks of the moment it applied: replaced ones not started yet, a
      // DAEMON's old tasks already stopping. What runs now that the rollouts are over is the truth.
      log.info({ rollouts: rolling.size }, "registering the tasks running after the rollouts");
      registered = await reconcileRegistrations(desired, targets, { dryRun: false, log });
    }
  }
  if (signal.aborted) return reportInterrupted(applied, io);
  // The registrations after the rollouts supersede the pass's: they are what Consul holds now.
  const outcomes = applyOutcomes(registered ? { ...report, ...registered } : report, rollouts);
  if (text) {
    io.out(renderText(report, set, location, io.color));
    if (registered?.consul)
      io.out(`\nAfter the rollouts:\n${consulLines(registered.consul, io.color).join("\n")}\n`);
    io.out(`\n${summaryLine(outcomes)}\n`);
  } else {
    io.out(
      `${JSON.stringify(
        {
          ...(reportJson(report, set, location) as object),
          rollouts: Object.fromEntries(rollouts ?? []),
          consulAfterRollouts: registered ? consulJson(registered.consul) : null,
          failed: outcomes.filter((o) => o.failed).map((o) => o.target),
        },
        null,
        2,
      )}\n`,
    );
  }
  return outcomes.some((o) => o.failed) ? EXIT.invalid : EXIT.ok;
}

/** After Ctrl-C: what was done and what was not, so nobody has to guess (exit 130, as shells do). */
function reportInterrupted(applied: ApplyResult | undefined, io: CliIO): number {
  const resources = applied?.resources ?? [];
  const cut = resources.filter((r) => r.interrupted);
  const done = resources.filter((r) => !r.interrupted && !r.error);
  const failed = resources.filter((r) => r.error);
  io.out(
    `\nInterrupted. Done: ${done.length} resource(s)${done.length > 0 ? ` (${done.map((r) => r.name).join(", ")})` : ""}. ` +
      `Not finished: ${cut.length}${cut.length > 0 ? ` (${cut.map((r) => `${r.name}: ${r.interrupted?.notStarted} action(s) not started`).join(", ")})` : ""}. ` +
      `Failed: ${failed.length}. Consul, namerd and the rest were not reconciled.\n` +
      "Everything created is recorded in the inventory: run apply again to finish.\n",
  );
  return EXIT_INTERRUPTED;
}

/** 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C. */
const EXIT_INTERRUPTED = 130;
