import path from "node:path";
import { HttpConsulApi } from "../controllers/consul/consul-client.js";
import type { EcsFlags } from "../controllers/ecs/reconcile.js";
import { waitForRollouts } from "../controllers/ecs/wait.js";
import { type MeshReport, type MeshTargets, reconcileMesh, type TargetReport } from "../controllers/mesh.js";
import { meshTargets } from "../controllers/targets.js";
import { ConsulInventoryStore } from "../inventory/consul-store.js";
import { FileInventoryStore } from "../inventory/store.js";
import { createLogger, type Logger } from "../runtime/logger.js";
import { formatDiagnostic } from "../specs/diagnostic.js";
import { loadManifestDir, type ManifestSet } from "../specs/loader.js";
import { ownerId } from "../specs/resolve.js";
import { type CliIO, EXIT } from "./io.js";
import { hasChanges, paint, planJson, renderPlan, summarizePlan } from "./render-plan.js";

/** Settings read from the environment once, at the entry point. */
export interface CliEnv {
  readonly awsRegion: string | undefined;
  readonly logLevel: string;
  /** CONSUL_HTTP_ADDR: overrides the Mesh's consul.address (e.g. a local agent or a tunnel). */
  readonly consulAddress: string | undefined;
  /** CONSUL_HTTP_TOKEN: the only place the Consul token comes from. */
  readonly consulToken: string | undefined;
  /** ECSMESH_NAMERD_URL: overrides the Mesh's linkerd.namerd.url. */
  readonly namerdUrl: string | undefined;
}

export interface MeshCommandOptions extends EcsFlags {
  readonly dir: string;
  readonly output: "text" | "json";
  /**
   * Inventory file; without it, Consul KV when CONSUL_HTTP_ADDR is set (where the controller keeps
   * it), else .ecsmesh/inventory/<cluster>/<owner>.json under the working directory.
   */
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
  io.err(`${dir}: invalid manifests; nothing was read from or sent to any API\n`);
  return undefined;
}

/** Clients for every target the Mesh uses, configured from the Mesh and the standard environment. */
export function connect(
  set: ManifestSet,
  inventoryFile: string | undefined,
  env: CliEnv,
): MeshTargets & { log: Logger } {
  const mesh = set.mesh.manifest;
  const region = mesh.spec.ecs.region;
  if (env.awsRegion && env.awsRegion !== region) {
    throw new Error(
      `AWS_REGION is ${env.awsRegion} but the Mesh's ecs.region is ${region}; refusing to guess`,
    );
  }
  const log = createLogger({ level: env.logLevel });
  const consul = env.consulAddress
    ? new HttpConsulApi({ address: env.consulAddress, token: env.consulToken, log })
    : undefined;
  // Same place as the controller's: Consul KV when there is a Consul, unless a file is named.
  const defaultFile = path.join(".ecsmesh", "inventory", mesh.spec.ecs.cluster, `${ownerId(mesh)}.json`);
  const store =
    inventoryFile === undefined && consul
      ? new ConsulInventoryStore(consul)
      : new FileInventoryStore(inventoryFile ?? defaultFile);
  return {
    ...meshTargets(set, {
      store,
      consul,
      consulToken: env.consulToken,
      namerdUrl: env.namerdUrl,
      log,
    }),
    log,
  };
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
  if (report.consul) {
    if (!report.consul.ok) error("Consul", report.consul);
    else {
      const { plan } = report.consul.value;
      for (const c of plan.changes) {
        const symbol = c.verb === "deregister" ? "-" : c.verb === "register" ? "+" : "~";
        lines.push(`${symbol} Consul registration ${c.id}: ${c.verb} (${c.reason})`);
      }
      lines.push(
        `Consul (node ${plan.node}): ${plan.changes.length} to change, ${plan.unchanged} unchanged, ${plan.transactions.length} transaction(s).`,
      );
    }
  }
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
    consul: target(report.consul, (v) => ({
      node: v.plan.node,
      changes: v.plan.changes,
      unchanged: v.plan.unchanged,
      transactions: v.plan.transactions.length,
    })),
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
  const report = await reconcileMesh(set, targets, { dryRun: true, flags: options, log });
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

/** `ecsmesh apply DIR`: executes the plan on every target; with --wait follows the ECS rollouts it started. */
export async function applyCommand(options: MeshCommandOptions, env: CliEnv, io: CliIO): Promise<number> {
  const set = await loadValid(options.dir, io);
  if (!set) return EXIT.invalid;
  const { log, ...targets } = connect(set, options.inventory, env);
  const text = options.output === "text";
  const report = await reconcileMesh(set, targets, {
    dryRun: false,
    flags: options,
    log,
    onProgress: (event) => {
      if (!text) return;
      const mark = event.state === "done" ? paint("ok", 32, io.color) : paint("FAILED", 31, io.color);
      io.out(`  ${event.resource}: ${event.action} ${mark} ${event.detail}\n`);
    },
  });
  const location = targets.ecs.store.location;
  let stalled = 0;
  let rollouts: Record<string, unknown> = {};
  const applied = report.ecs.ok ? report.ecs.value.applied : undefined;
  if (options.wait && applied) {
    const rolling = new Map(
      applied.resources.filter((r) => !r.error && r.service).map((r) => [r.name, r.service?.taskDefinition]),
    );
    const conditions = await waitForRollouts(targets.ecs.api, set.mesh.manifest.spec.ecs.cluster, rolling, {
      intervalMs: 2_000,
      timeoutMs: options.timeoutMs,
      onChange: (name, c) => text && io.out(`  ${name}: ${c.type} (${c.reason}) ${c.message}\n`),
    });
    stalled = [...conditions.values()].filter((c) => c.type !== "Ready").length;
    rollouts = Object.fromEntries(conditions);
  }
  const ecsFailures = applied?.resources.filter((r) => r.error).length ?? 0;
  if (text) {
    io.out(renderText(report, set, location, io.color));
    io.out(
      `\nApplied: ${(applied?.resources.length ?? 0) - ecsFailures} ECS resources ok, ${ecsFailures} failed${options.wait ? `, ${stalled} not ready` : ""}.\n`,
    );
  } else {
    io.out(`${JSON.stringify({ ...(reportJson(report, set, location) as object), rollouts }, null, 2)}\n`);
  }
  const blocked =
    report.ecs.ok && report.ecs.value.planned.plan.resources.some((r) => r.outcome === "blocked");
  const targetFailed =
    !report.ecs.ok || failed(report.consul) || failed(report.dtab) || failed(report.cloudMap);
  return ecsFailures > 0 || stalled > 0 || blocked || targetFailed ? EXIT.invalid : EXIT.ok;
}
