import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_SERVER_LIMITS } from "../../src/runtime/http-server.js";
import type { ControllerMetrics } from "../../src/runtime/metrics.js";
import { createLogger } from "../../src/util/logger.js";
import { startTestServer } from "./status-server-fixture.js";

/** A raw TCP client, so a test can be as slow or as rude as an attacker. */
async function openSocket(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = connect(port, "127.0.0.1");
  // A refused or reset connection is the expected outcome here, not a failure of the test; what
  // the server says is read and dropped, so its closing the connection is seen.
  socket.on("error", () => {}).resume();
  const openedAt = Date.now();
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - openedAt)));
  await once(socket, "connect");
  return { socket, closed };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | "still open"> {
  return Promise.race([
    promise,
    new Promise<"still open">((resolve) => setTimeout(resolve, ms, "still open")),
  ]);
}

async function refusals(metrics: ControllerMetrics, reason: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric("ecsmesh_http_refused_requests_total")?.get();
  return metric?.values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

describe("the status server's resource limits", () => {
  it("has production defaults under which a header timeout bites within seconds", () => {
    const limits = DEFAULT_SERVER_LIMITS;
    // Node checks headersTimeout and requestTimeout only every connectionsCheckingInterval.
    expect(limits.headersTimeoutMs + limits.connectionsCheckingIntervalMs).toBeLessThanOrEqual(15_000);
    expect(limits.requestTimeoutMs).toBeGreaterThanOrEqual(limits.headersTimeoutMs);
    expect(limits.requestTimeoutMs + limits.connectionsCheckingIntervalMs).toBeLessThanOrEqual(35_000);
    expect(limits.idleSocketTimeoutMs).toBeLessThanOrEqual(60_000);
    expect(limits.keepAliveTimeoutMs).toBeLessThan(limits.idleSocketTimeoutMs);
    expect(limits.maxConnections).toBeGreaterThanOrEqual(16);
    expect(limits.maxConnections).toBeLessThanOrEqual(1024);
  });

  it.each([
    ["goes silent after a partial request line", (socket: Socket) => void socket.write("GET /status HTT")],
    [
      "drips a header byte every 200 ms",
      (socket: Socket) => {
        socket.write("GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ");
        const drip = setInterval(() => socket.write("a"), 200);
        socket.once("close", () => clearInterval(drip));
      },
    ],
  ])("disconnects a client that %s once the header timeout passes", async (_, behave) => {
    const limits = { headersTimeoutMs: 1_000, connectionsCheckingIntervalMs: 250 };
    const { server } = await startTestServer({ limits });
    const { socket, closed } = await openSocket(server.port);
    behave(socket);
    const heldMs = await within(closed, 5_000);
    socket.destroy();
    expect(heldMs).not.toBe("still open");
    // Far below what Node's defaults allow (a 30 s check interval); with room for a loaded machine.
    expect(heldMs).toBeLessThan(limits.headersTimeoutMs + 2 * limits.connectionsCheckingIntervalMs + 1_500);
  });

  it("refuses connections beyond its cap and serves again once they close", async () => {
    const { server, metrics } = await startTestServer({ limits: { maxConnections: 3 } });
    // The kernel hands connections to the server in order, so the fourth is the one over the cap.
    const idle = [
      await openSocket(server.port),
      await openSocket(server.port),
      await openSocket(server.port),
    ];
    const extra = await openSocket(server.port);
    expect(await within(extra.closed, 2_000)).not.toBe("still open");
    for (const { socket } of idle) expect(socket.destroyed).toBe(false);
    expect(await refusals(metrics, "connection_limit")).toBe(1);

    for (const { socket } of idle) socket.destroy();
    // A fetch that races the server's closing of those sockets is dropped too: try again, briefly.
    const healthz = () => fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(500) });
    await vi.waitFor(async () => expect((await healthz()).status).toBe(200), { timeout: 5_000 });
  });

  it("logs 200 aborted webhook uploads in at most a few lines, without a stack trace", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", destination: { write: (line) => void lines.push(line) } });
    const { server, metrics } = await startTestServer({
      logger,
      webhook: { secret: "s3cr3t", onPush: () => {} },
      limits: { maxConnections: 1_000 },
    });
    const aborts = 200;
    for (let i = 0; i < aborts; i += 1) {
      const { socket } = await openSocket(server.port);
      const head = [
        "POST /hooks/git HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        "Content-Length: 1000",
        `X-Hub-Signature-256: sha256=${"0".repeat(64)}`,
      ].join("\r\n");
      await new Promise((resolve) => socket.write(`${head}\r\n\r\n{"ref":"refs/he`, resolve));
      socket.destroy();
    }
    await vi.waitFor(async () => expect(await refusals(metrics, "aborted_upload")).toBe(aborts), {
      timeout: 10_000,
    });
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
    for (const line of lines) {
      expect(line).not.toMatch(/stack|"err"/);
      expect(JSON.parse(line)).toMatchObject({ level: 40, reason: "aborted_upload" });
    }
  });
});
