import type { ManifestSet } from "../specs/manifest-set.js";
import { renderDashboards } from "./dashboards/render.js";
import { generatedYaml } from "./generated-yaml.js";
import { grafanaFolderUid } from "./grafana-folder.js";

/** Relative to the delivery directory: mount `grafana/provisioning` as Grafana's provisioning directory. */
export const GRAFANA_PROVIDER_FILE = "grafana/provisioning/dashboards/ecsmesh.yaml";
/** Relative to the delivery directory: mount it where `dashboardsPath` says Grafana finds it. */
export const GRAFANA_DASHBOARDS_DIR = "grafana/dashboards";

export interface ProvisioningOptions {
  /** Where Grafana reads the dashboard files (GRAFANA_DASHBOARDS_DIR), as Grafana sees the path. */
  readonly dashboardsPath?: string;
}

export const DEFAULT_DASHBOARDS_PATH = "/var/lib/grafana/dashboards/ecsmesh";

/**
 * Grafana file provisioning for the Monitoring manifest's dashboards, by path relative to the
 * delivery directory: one dashboard provider and one JSON file per dashboard, named by uid. Empty
 * without a Monitoring manifest.
 */
export function grafanaProvisioningFiles(
  set: ManifestSet,
  options: ProvisioningOptions = {},
): Map<string, string> {
  const monitoring = set.monitoring?.manifest;
  if (!monitoring) return new Map();
  const { folder } = monitoring.spec.grafana;
  const provider = {
    apiVersion: 1,
    providers: [
      {
        name: "ecsmesh",
        orgId: 1,
        folder,
        folderUid: grafanaFolderUid(folder),
        type: "file",
        disableDeletion: false,
        // The manifests are the source: an edit saved in the UI would be overwritten anyway.
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: {
          path: options.dashboardsPath ?? DEFAULT_DASHBOARDS_PATH,
          foldersFromFilesStructure: false,
        },
      },
    ],
  };
  return new Map([
    [GRAFANA_PROVIDER_FILE, generatedYaml(provider)],
    ...renderDashboards(set).map(
      (dashboard) =>
        [
          `${GRAFANA_DASHBOARDS_DIR}/${dashboard.uid}.json`,
          `${JSON.stringify(dashboard, null, 2)}\n`,
        ] as const,
    ),
  ]);
}
