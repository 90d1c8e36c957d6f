import { afterEach } from "vitest";
import {
  type StatusServer,
  type StatusServerOptions,
  startStatusServer,
} from "../../src/runtime/http-server.js";
import { type ControllerMetrics, createMetrics } from "../../src/runtime/metrics.js";
import { sampleStatus } from "./status-fixture.js";

const running: StatusServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** A real server on a free loopback port, serving the sample status; closed after each test. */
export async function startTestServer(
  overrides: Partial<StatusServerOptions> = {},
): Promise<{ server: StatusServer; metrics: ControllerMetrics }> {
  const metrics = overrides.metrics ?? createMetrics();
  const server = await startStatusServer({
    host: "127.0.0.1",
    port: 0,
    status: sampleStatus,
    health: () => ({ alive: true, ready: true, reason: "ok" }),
    metrics,
    ...overrides,
  });
  running.push(server);
  return { server, metrics };
}
