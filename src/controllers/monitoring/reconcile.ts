import path from "node:path";
import type { DesiredMesh } from "../../compile/mesh.js";
import type { RunningTask } from "../ecs/tasks.js";
import { linkerdTargets, type ScrapeTargets, serviceTargets } from "./discovery.js";
import { writeChangedFiles } from "./files.js";
import type { GrafanaApi } from "./grafana-client.js";
import { type PushedDashboards, type PushResult, pushDashboards } from "./grafana-push.js";

export interface MonitoringResult {
  readonly targets: ScrapeTargets;
  /** The delivery directory, when the Monitoring manifest names one. */
  readonly directory: string | undefined;
  /** Files rewritten this pass (only those whose content changed). */
  readonly filesWritten: readonly string[];
  /** What the Grafana API push did, when there is one. */
  readonly grafana: PushResult | undefined;
}

/** What Prometheus' http_sd serves: every linkerd admin port and Service metrics endpoint that runs. */
export function scrapeTargets(desired: DesiredMesh, tasks: readonly RunningTask[]): ScrapeTargets {
  const { set, daemon } = desired;
  // The user's Services and the ones delivery.ecs runs (Prometheus scrapes itself too).
  const scraped = desired.services
    .map((service) => service.manifest)
    .filter((s) => s.spec.metrics && s.metadata.name !== daemon?.metadata.name);
  return {
    linkerd: linkerdTargets(set, daemon, tasks),
    services: serviceTargets(set, scraped, tasks),
  };
}

/**
 * The Monitoring target: scrape targets for Prometheus' http_sd (every linkerd admin port and
 * Service metrics endpoint of the running tasks); when asked, prometheus.yml, rule files and
 * Grafana provisioning files written to the delivery directory, and dashboards pushed through
 * Grafana's API, each only when it changed.
 */
export async function reconcileMonitoring(
  desired: DesiredMesh,
  tasks: readonly RunningTask[],
  /** The controller's workdir: delivery directories are relative to it, and no file goes outside it. */
  baseDir: string,
  /** Grafana's HTTP API, when the manifest names a grafanaUrl and GRAFANA_TOKEN is set. */
  grafana: GrafanaApi | undefined,
  message: string,
  /** The controller's memory of the dashboards Grafana has, across passes. */
  pushedDashboards?: PushedDashboards,
): Promise<MonitoringResult> {
  const scrape = scrapeTargets(desired, tasks);
  const monitoring = desired.set.monitoring?.manifest;
  const compiled = desired.monitoring;
  const relative = monitoring?.spec.delivery.directory;
  const directory = relative === undefined ? undefined : path.resolve(baseDir, relative);
  const filesWritten =
    compiled && relative !== undefined ? await writeChangedFiles(baseDir, relative, compiled.files) : [];
  const grafanaPush =
    monitoring && compiled && grafana
      ? await pushDashboards(
          grafana,
          { folder: monitoring.spec.grafana.folder, dashboards: compiled.dashboards, message },
          pushedDashboards,
        )
      : undefined;
  return { targets: scrape, directory, filesWritten, grafana: grafanaPush };
}
