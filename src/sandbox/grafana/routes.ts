/** The part of Grafana's HTTP API the sandbox serves: folders and dashboards by uid. */

export type GrafanaOperation = "GetFolder" | "CreateFolder" | "GetDashboard" | "SaveDashboard";

/** The operations that change anything, for the call counter's write tally. */
export const GRAFANA_WRITES: ReadonlySet<string> = new Set<GrafanaOperation>([
  "CreateFolder",
  "SaveDashboard",
]);

export interface Route {
  readonly operation: GrafanaOperation;
  /** The uid the path names; empty for the POSTs, whose uid is in the body. */
  readonly uid: string;
}

/** The operation a request names, or undefined (Grafana answers 404). */
export function route(method: string, pathname: string): Route | undefined {
  if (method === "POST" && pathname === "/api/folders") return { operation: "CreateFolder", uid: "" };
  if (method === "POST" && pathname === "/api/dashboards/db") return { operation: "SaveDashboard", uid: "" };
  if (method !== "GET") return undefined;
  const folder = uidAfter(pathname, "/api/folders/");
  if (folder !== undefined) return { operation: "GetFolder", uid: folder };
  const dashboard = uidAfter(pathname, "/api/dashboards/uid/");
  return dashboard === undefined ? undefined : { operation: "GetDashboard", uid: dashboard };
}

/** The one path segment after `prefix`, percent-decoded; undefined when there is none or it does not decode. */
function uidAfter(pathname: string, prefix: string): string | undefined {
  const rest = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : "";
  if (rest === "" || rest.includes("/")) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}
