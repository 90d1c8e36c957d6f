import path from "node:path";
import { observeRunningTasks } from "../controllers/ecs/tasks.js";
import { linkerdDaemon } from "../controllers/linkerd/daemon.js";
import type { MeshTargets } from "../controllers/mesh.js";
import type { ManifestSet } from "../specs/loader.js";
import { linkerdTargets, type ScrapeTargets, serviceTargets } from "./discovery.js";
import { prometheusFiles, writeChangedFiles } from "./files.js";

export interface MonitoringResult {
  readonly targets: ScrapeTargets;
  /** The delivery directory, when the Monitoring manifest names one. */
  readonly directory: string | undefined;
  /** Files rewritten this pass (only those whose content changed). */
  readonly filesWritten: readonly string[];
}

/**
 * The Monitoring target: scrape targets for Prometheus' http_sd (every linkerd admin port and
 * Service metrics endpoint of the running tasks) and, when asked, the prometheus.yml and rule
 * files written to the delivery directory, only when they change.
 */
export async function reconcileMonitoring(
  set: ManifestSet,
  targets: MeshTargets,
  controllerUrl: string,
  /** Relative delivery directories are resolved against this (the controller's workdir). */
  baseDir: string,
  extraFiles: (set: ManifestSet) => ReadonlyMap<string, string> = () => new Map(),
): Promise<MonitoringResult> {
  const mesh = set.mesh.manifest;
  const daemon = linkerdDaemon(set);
  const watched = new Set([
    ...(daemon ? [daemon.metadata.name] : []),
    ...set.services.filter((s) => s.manifest.spec.metrics).map((s) => s.manifest.metadata.name),
  ]);
  const tasks =
    watched.size === 0
      ? []
      : await observeRunningTasks(
          targets.tasks,
          targets.addresses,
          mesh.spec.ecs.cluster,
          watched,
          targets.taskCache,
        );
  const scrape = { linkerd: linkerdTargets(set, daemon, tasks), services: serviceTargets(set, tasks) };
  const monitoring = set.monitoring?.manifest;
  const relative = monitoring?.spec.delivery.directory;
  const directory = relative === undefined ? undefined : path.resolve(baseDir, relative);
  if (!monitoring || !directory) return { targets: scrape, directory, filesWritten: [] };
  const files = new Map([...prometheusFiles(monitoring, controllerUrl), ...extraFiles(set)]);
  return { targets: scrape, directory, filesWritten: await writeChangedFiles(directory, files) };
}
