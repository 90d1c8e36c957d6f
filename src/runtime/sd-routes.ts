import type { ServerResponse } from "node:http";
import type { ScrapeTargets, Target } from "../controllers/monitoring/discovery.js";
import { SD_LINKERD_PATH, SD_SERVICES_PATH } from "../monitoring/prometheus-config.js";
import { type RouteHandler, send } from "./http-server.js";

/**
 * Prometheus http_sd endpoints for the status server's `extraRoutes`. `getTargets` is asked on
 * every request, so Prometheus sees the tasks of the latest observation at each refresh.
 */
export function sdRoutes(getTargets: () => ScrapeTargets): Record<string, RouteHandler> {
  return {
    [SD_LINKERD_PATH]: (_, response) => sendTargets(response, getTargets().linkerd),
    [SD_SERVICES_PATH]: (_, response) => sendTargets(response, getTargets().services),
  };
}

function sendTargets(response: ServerResponse, targets: readonly Target[]): void {
  // Prometheus refuses an http_sd answer with any other media type.
  send(response, 200, "application/json", JSON.stringify(targets));
}
