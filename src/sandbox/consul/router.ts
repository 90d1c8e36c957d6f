import { agentRoutes } from "./agent-endpoints.js";
import { catalogRoutes } from "./catalog-endpoints.js";
import type { ConsulContext, Endpoint, Method, Route } from "./endpoint.js";
import { healthRoutes } from "./health-endpoints.js";
import { kvRoutes } from "./kv-endpoints.js";
import { sessionRoutes } from "./session-endpoints.js";
import { txnRoutes } from "./txn-endpoint.js";

export interface RouteMatch {
  readonly route: Route;
  /** The path past a prefix route, still percent-encoded. */
  readonly param: string;
}

/** The HTTP API the sandbox serves. */
export function consulRoutes(context: ConsulContext): Route[] {
  return [
    ...agentRoutes(context),
    ...catalogRoutes(context),
    ...healthRoutes(context),
    ...kvRoutes(context),
    ...sessionRoutes(context),
    ...txnRoutes(context),
  ];
}

/** The route for a path: an exact path, else the longest prefix route, as Go's ServeMux chooses. */
export function findRoute(routes: readonly Route[], pathname: string): RouteMatch | undefined {
  const exact = routes.find((route) => route.path === pathname);
  if (exact !== undefined) return { route: exact, param: "" };
  const prefix = routes
    .filter((route) => route.path.endsWith("/") && pathname.startsWith(route.path))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return prefix === undefined ? undefined : { route: prefix, param: pathname.slice(prefix.path.length) };
}

/** The endpoint serving a method of a route, if the route has it. */
export function endpointFor(route: Route, method: string): Endpoint | undefined {
  return Object.hasOwn(route.methods, method) ? route.methods[method as Method] : undefined;
}

/** Operations that only read: those served for GET. */
export function readOperations(routes: readonly Route[]): Set<string> {
  return new Set(
    routes.flatMap((route) => (route.methods.GET === undefined ? [] : [route.methods.GET.operation])),
  );
}
