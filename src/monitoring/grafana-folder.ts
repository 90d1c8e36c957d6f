import { stableUid } from "./dashboards/uid.js";

/**
 * The uid of the Grafana folder titled `title` (the Monitoring manifest's `grafana.folder`):
 * file provisioning and the HTTP API push both use it, so they land in the same folder.
 */
export const grafanaFolderUid = (title: string): string => stableUid("ecsmesh", title);
