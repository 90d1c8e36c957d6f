import path from "node:path";
import cron, { type ScheduledTask } from "node-cron";
import { errorMessage } from "../aws/errors.js";
import { loadManifestDir } from "../compile/load.js";
import { compileMesh, type DesiredMesh } from "../compile/mesh.js";
import type { EcsFlags } from "../controllers/ecs/reconcile.js";
import type { RunningTask } from "../controllers/ecs/tasks.js";
import {
  type MeshTargets,
  type RegistrationsReport,
  reconcileMesh,
  reconcileRegistrations,
} from "../controllers/mesh.js";
import type { ScrapeTargets } from "../controllers/monitoring/discovery.js";
import type { GrafanaApi } from "../controllers/monitoring/grafana-client.js";
import { newPushedDashboards } from "../controllers/monitoring/grafana-push.js";
import { reconcileMonitoring, scrapeTargets } from "../controllers/monitoring/reconcile.js";
import type { WriterLock } from "../inventory/lock.js";
import { formatDiagnostic } from "../specs/diagnostic.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import type { Logger } from "../util/logger.js";
import type { GitSource } from "./git-source.js";
import type { Health } from "./http-server.js";
import type { ControllerMetrics } from "./metrics.js";
import {
  actionRecords,
  registrationActions,
  registrationStatuses,
  resourceStatuses,
} from "./resource-status.js";
import {
  type ControllerStatus,
  initialStatus,
  type PassOutcome,
  type ResourceStatus,
  setCondition,
  withPass,
} from "./status.js";

/** Recent actions and errors kept for the status page. */
const RECENT_LIMIT = 50;
/** How often a follower looks whether its lock was taken in the background (a local check, no call). */
const LEADERSHIP_WATCH_MS = 500;

export interface ControllerOptions {
  readonly source: GitSource;
  readonly sourceInfo: { readonly url: string; readonly ref: string; readonly path: string };
  /** A cron expression for the periodic full pass (drift correction). */
  readonly schedule: string;
  /** How often to ask the remote for a new commit; 0 turns polling off (webhooks only). */
  readonly pollMs: number;
  /**
   * Clients for a manifest set's targets and the mesh's writer lock; called per pass because the
   * Mesh may change (the same objects come back while it does not).
   */
  readonly connect: (set: ManifestSet) => ConnectedMesh;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
  readonly flags: EcsFlags;
  readonly identity: string;
  /** A pass running longer than this marks the process not alive (it should be restarted). */
  readonly passTimeoutMs: number;
  /** The URL Prometheus reaches this controller at (for its own /metrics and /sd/* discovery). */
  readonly advertiseUrl: () => string;
  /** Where relative monitoring delivery directories go. */
  readonly workdir: string;
  /** A Grafana API client for a set whose Monitoring names a grafanaUrl (and a token is configured). */
  readonly grafana?: (set: ManifestSet) => GrafanaApi | undefined;
}

export interface ConnectedMesh {
  readonly targets: MeshTargets;
  /** Leadership is holding this lock: the one every writer of the mesh takes, CLI apply included. */
  readonly lock: WriterLock;
}

/**
 * The long-running loop, level-based like Flux's: every pass fetches the source, loads and
 * validates it, and reconciles every target; it acts on what differs, never on the event that
 * woke it. Passes never overlap: a trigger during a pass queues exactly one more.
 */
export class Controller {
  status: ControllerStatus;
  /** What /sd/linkerd and /sd/services serve: the latest pass's running targets. */
  scrapeTargets: ScrapeTargets = { linkerd: [], services: [] };
  private running: Promise<void> | undefined;
  private pending = false;
  private passStartedAt: number | undefined;
  private lastSeenSha: string | undefined;
  /** The newest valid manifests: what registrations follow while the newest commit is invalid. */
  private lastGoodSet: ManifestSet | undefined;
  private cronTask: ScheduledTask | undefined;
  private poller: NodeJS.Timeout | undefined;
  private stopping = false;
  /** The writer lock of the mesh last loaded; kept (renewed) between passes. */
  private lock: WriterLock | undefined;
  /** While following: watches the lock, which is taken in the background, to start writing at once. */
  private leadershipWatch: NodeJS.Timeout | undefined;
  /** The dashboards Grafana was last found to have: a steady pass reads back only a few. */
  private readonly pushedDashboards = newPushedDashboards();

  constructor(private readonly options: ControllerOptions) {
    this.status = initialStatus(options.sourceInfo, options.identity);
    this.setLeaderStatus({
      held: false,
      reason: "NoValidManifests",
      message: "the mesh, and so its writer lock, is known once a valid manifest set has loaded",
    });
  }

  start(): void {
    this.cronTask = cron.schedule(this.options.schedule, () => this.trigger("interval"));
    if (this.options.pollMs > 0) {
      this.poller = setInterval(() => void this.poll(), this.options.pollMs);
      this.poller.unref();
    }
    this.trigger("start");
  }

  /** Asks for a pass; coalesces with one already running. */
  trigger(reason: string): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.running) {
      this.pending = true;
      return this.running;
    }
    this.running = this.pass(reason).finally(() => {
      this.running = undefined;
      if (this.pending && !this.stopping) {
        this.pending = false;
        void this.trigger("queued");
      }
    });
    return this.running;
  }

  /** Waits for the current pass (and a queued one) to finish. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  health(): Health {
    const stuck =
      this.passStartedAt !== undefined && performance.now() - this.passStartedAt > this.options.passTimeoutMs;
    const stalled = this.status.conditions.find((c) => c.type === "Stalled" && c.status === "True");
    return {
      alive: !stuck,
      ready: this.status.source.fetchedAt !== undefined && !stalled,
      reason: stuck
        ? "a pass has run past its timeout"
        : this.status.source.fetchedAt === undefined
          ? "the source has not been fetched yet"
          : stalled
            ? `stalled: ${stalled.message}`
            : "ok",
    };
  }

  /** Stops scheduling, finishes the pass under way, releases leadership. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cronTask?.stop();
    if (this.poller) clearInterval(this.poller);
    clearInterval(this.leadershipWatch);
    await this.running;
    await this.lock?.stop();
  }

  private async poll(): Promise<void> {
    try {
      const { sha } = await this.options.source.latestRevision();
      if (this.lastSeenSha !== undefined && sha !== this.lastSeenSha) void this.trigger("new commit");
    } catch (error) {
      this.options.log.warn({ err: errorMessage(error) }, "could not poll the source");
    }
  }

  private async pass(reason: string): Promise<void> {
    const started = new Date();
    this.passStartedAt = performance.now();
    const log = this.options.log.child({ pass: started.toISOString(), trigger: reason });
    let revision: string | undefined;
    let outcome: PassOutcome = "failed";
    let summary = "";
    try {
      const checkout = await this.options.source.fetch();
      revision = checkout.revision;
      this.lastSeenSha = checkout.sha;
      const { error: _previousError, ...source } = this.status.source;
      this.status = {
        ...this.status,
        source: { ...source, revision, fetchedAt: new Date().toISOString() },
        lastAttemptedRevision: revision,
      };
      ({ outcome, summary } = await this.reconcile(checkout.dir, revision, log));
    } catch (error) {
      summary = errorMessage(error);
      this.status = { ...this.status, source: { ...this.status.source, error: summary } };
      this.noteError("source", summary);
      this.setConditions("False", "SourceFailed", summary, false);
      log.error({ err: summary }, "pass failed");
    } finally {
      const durationMs = performance.now() - (this.passStartedAt ?? 0);
      this.passStartedAt = undefined;
      this.status = withPass(this.status, {
        revision,
        startedAt: started.toISOString(),
        durationMs,
        outcome,
        summary,
      });
      this.options.metrics.observePass("Mesh", durationMs / 1000, outcome);
      if (outcome === "applied" || outcome === "unchanged") this.options.metrics.markSuccess(new Date());
      log.info({ revision, outcome, durationMs: Math.round(durationMs), summary }, "pass finished");
    }
  }

  private async reconcile(
    dir: string,
    revision: string,
    log: Logger,
  ): Promise<{ outcome: PassOutcome; summary: string }> {
    const loaded = await loadManifestDir(dir);
    if (!loaded.ok) {
      // The last good state stays applied: nothing is planned from this set; only the registrations
      // of running tasks keep following ECS, from the last good set.
      // Paths relative to the repository's manifest directory, as the committer knows them.
      const errors = loaded.diagnostics
        .filter((d) => d.severity === "error")
        .map((d) => ({ ...d, file: path.relative(dir, d.file) || d.file }));
      for (const d of errors.slice(0, 20)) this.noteError("manifests", formatDiagnostic(d));
      const message = `${revision}: ${errors.length} invalid manifest error(s), first: ${errors[0] ? formatDiagnostic(errors[0]) : ""}`;
      this.setConditions("False", "InvalidManifests", message, true);
      await this.followRunningTasks(log);
      return { outcome: "invalid", summary: message };
    }
    this.lastGoodSet = loaded.set;
    const { targets, lock } = this.options.connect(loaded.set);
    if (!(await this.lead(lock))) {
      return {
        outcome: "unchanged",
        summary: `follower: ${lock.state.message}; serving status, writing nothing`,
      };
    }
    this.status = { ...this.status, observedGeneration: loaded.set.digest };
    const desired = this.compile(loaded.set);
    const report = await reconcileMesh(desired, targets, { dryRun: false, flags: this.options.flags, log });
    await this.monitor(desired, observedTasks(report), log);
    const at = new Date().toISOString();
    const resources = this.sinceLastTransition(resourceStatuses(report, at));
    const actions = actionRecords(report, at);
    this.status = {
      ...this.status,
      resources,
      recentActions: [...actions, ...this.status.recentActions].slice(0, RECENT_LIMIT),
    };
    this.options.metrics.setResources(resources);
    for (const r of resources.filter((r) => r.ready === "False"))
      this.noteError(r.target, `${r.kind}/${r.name}: ${r.message}`);
    const stalled = resources.filter((r) => r.ready === "False");
    const progressing = resources.filter((r) => r.ready === "Unknown");
    if (stalled.length > 0) {
      this.setConditions(
        "False",
        "ResourcesStalled",
        `${stalled.length} resource(s) stalled: ${stalled.map((r) => `${r.kind}/${r.name}`).join(", ")}`,
        true,
      );
    } else if (progressing.length > 0) {
      this.setConditions("Unknown", "Progressing", `${progressing.length} resource(s) rolling out`, false);
    } else {
      this.setConditions("True", "ReconciliationSucceeded", `applied revision ${revision}`, false);
    }
    const summary = `${actions.length} action(s), ${resources.length} resource(s), ${stalled.length} stalled`;
    if (stalled.length > 0) return { outcome: "failed", summary };
    return { outcome: actions.length > 0 ? "applied" : "unchanged", summary };
  }

  /**
   * Holds the mesh's writer lock, switching locks when the Mesh moved to another cluster or owner,
   * and reports why this replica leads or not (status, condition, metrics).
   */
  /** The pass's desired state, compiled once; Prometheus run by delivery.ecs reaches us at advertiseUrl. */
  private compile(set: ManifestSet): DesiredMesh {
    return compileMesh(set, { controllerUrl: this.options.advertiseUrl() });
  }

  private async lead(lock: WriterLock): Promise<boolean> {
    if (lock !== this.lock) {
      await this.lock?.stop();
      this.lock = lock;
      await lock.tick();
      lock.start();
    }
    this.setLeaderStatus(lock.state, lock.location);
    if (!lock.isLeader()) this.watchForLeadership(lock);
    return lock.isLeader();
  }

  /**
   * A follower takes the lock between passes (when the leader stops or its session expires); it
   * must then write at once, not at the next scheduled pass, which may be an interval away.
   */
  private watchForLeadership(lock: WriterLock): void {
    clearInterval(this.leadershipWatch);
    this.leadershipWatch = setInterval(() => {
      if (this.stopping || lock !== this.lock) return clearInterval(this.leadershipWatch);
      if (!lock.isLeader()) return;
      clearInterval(this.leadershipWatch);
      void this.trigger("became leader");
    }, LEADERSHIP_WATCH_MS);
    this.leadershipWatch.unref();
  }

  private setLeaderStatus(
    state: { held: boolean; reason: string; message: string; since?: string },
    location?: string,
  ): void {
    const leader = {
      isLeader: state.held,
      identity: this.options.identity,
      reason: state.reason,
      message: state.message,
      ...(state.since ? { since: state.since } : {}),
      ...(location ? { lock: location } : {}),
    };
    const conditions = setCondition(
      this.status.conditions,
      {
        type: "Leader",
        status: state.held ? "True" : "False",
        reason: state.reason,
        message: location ? `${state.message} (${location})` : state.message,
      },
      new Date(),
    );
    this.status = { ...this.status, leader, conditions };
    this.options.metrics.setLeader(state.held, state.reason);
  }

  /**
   * While the newest commit is invalid, tasks still start and stop: Consul registrations and scrape
   * targets keep following them from the last good manifests. Nothing else is written (no ECS,
   * Cloud Map or namerd), and the Stalled/InvalidManifests conditions stay as they are.
   */
  private async followRunningTasks(log: Logger): Promise<void> {
    const set = this.lastGoodSet;
    if (!set) return;
    const { targets, lock } = this.options.connect(set);
    if (!(await this.lead(lock))) return;
    log.info(
      { lastGoodGeneration: set.digest },
      "registering the running tasks from the last good manifests while the newest commit is invalid",
    );
    const desired = this.compile(set);
    let report: RegistrationsReport;
    try {
      report = await reconcileRegistrations(desired, targets, { dryRun: false, log });
    } catch (error) {
      // Reported apart: the pass's outcome and conditions stay those of the invalid commit.
      this.noteError("consul", errorMessage(error));
      log.error({ err: errorMessage(error) }, "registrations from the last good manifests failed");
      return;
    }
    const tasks = observedTasks(report);
    if (tasks) this.scrapeTargets = scrapeTargets(desired, tasks);
    const at = new Date().toISOString();
    const statuses = this.sinceLastTransition(registrationStatuses(report.consul, at));
    for (const r of statuses.filter((r) => r.ready === "False"))
      this.noteError(r.target, `${r.kind}/${r.name}: ${r.message}`);
    this.status = {
      ...this.status,
      resources: [...this.status.resources.filter((r) => r.kind !== "ConsulRegistrations"), ...statuses],
      recentActions: [...registrationActions(report.consul, at), ...this.status.recentActions].slice(
        0,
        RECENT_LIMIT,
      ),
    };
    this.options.metrics.setResources(this.status.resources);
  }

  /**
   * Scrape targets and monitoring files; a failure here is reported and degrades nothing else.
   * Without `tasks` (they could not be observed) the scrape targets stay as they were.
   */
  private async monitor(
    desired: DesiredMesh,
    tasks: readonly RunningTask[] | undefined,
    log: Logger,
  ): Promise<void> {
    try {
      const result = await reconcileMonitoring(
        desired,
        tasks ?? [],
        this.options.workdir,
        this.options.grafana?.(desired.set),
        `ecsmesh ${this.status.lastAttemptedRevision ?? ""}`.trim(),
        this.pushedDashboards,
      );
      if (tasks) this.scrapeTargets = result.targets;
      const previous = this.status.monitoring as { lastWriteAt?: string } | undefined;
      this.status = {
        ...this.status,
        monitoring: {
          linkerdTargets: this.scrapeTargets.linkerd.length,
          serviceTargets: this.scrapeTargets.services.length,
          discovery: `${this.options.advertiseUrl()}/sd/linkerd, /sd/services`,
          directory: result.directory ?? "(none)",
          filesWrittenLastPass: result.filesWritten.length,
          lastWriteAt:
            result.filesWritten.length > 0 ? new Date().toISOString() : (previous?.lastWriteAt ?? "never"),
          grafana: result.grafana
            ? `pushed ${result.grafana.pushed.length}, unchanged ${result.grafana.unchanged.length} (folder ${result.grafana.folderUid})`
            : "no Grafana API configured",
        },
      };
    } catch (error) {
      this.noteError("monitoring", errorMessage(error));
      log.error({ err: errorMessage(error) }, "monitoring failed");
    }
  }

  /** A resource whose readiness did not change keeps the time it last changed. */
  private sinceLastTransition(resources: ResourceStatus[]): ResourceStatus[] {
    return resources.map((r) => {
      const previous = this.status.resources.find((p) => p.kind === r.kind && p.name === r.name);
      return previous && previous.ready === r.ready
        ? { ...r, lastTransitionTime: previous.lastTransitionTime }
        : r;
    });
  }

  /** Flux's trio: Ready, Reconciling, Stalled, moved together. */
  private setConditions(
    ready: "True" | "False" | "Unknown",
    reason: string,
    message: string,
    stalled: boolean,
  ): void {
    const now = new Date();
    let conditions = setCondition(
      this.status.conditions,
      { type: "Ready", status: ready, reason, message },
      now,
    );
    conditions = setCondition(
      conditions,
      { type: "Reconciling", status: ready === "Unknown" ? "True" : "False", reason, message },
      now,
    );
    conditions = setCondition(
      conditions,
      { type: "Stalled", status: stalled ? "True" : "False", reason, message },
      now,
    );
    this.status = { ...this.status, conditions };
  }

  private noteError(target: string, message: string): void {
    this.status = {
      ...this.status,
      recentErrors: [{ at: new Date().toISOString(), target, message }, ...this.status.recentErrors].slice(
        0,
        RECENT_LIMIT,
      ),
    };
  }
}

/** The running tasks a registrations step saw; undefined when they could not be observed. */
function observedTasks(report: RegistrationsReport): readonly RunningTask[] | undefined {
  if (!report.tasks) return []; // no service needs them: nothing runs that is scraped
  return report.tasks.ok ? report.tasks.value : undefined;
}
