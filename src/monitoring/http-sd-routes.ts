import type { ServerResponse } from "node:http";
import type { RouteHandler } from "../runtime/http-server.js";
import type { ScrapeTargets, Target } from "./discovery.js";

export const SD_LINKERD_PATH = "/sd/linkerd";
export const SD_SERVICES_PATH = "/sd/services";

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
  const body = JSON.stringify(targets);
  response.writeHead(200, {
    // Prometheus refuses an http_sd answer with any other media type.
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  response.end(body);
}
