import type { IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { FaultOutcome, Faults } from "../faults.js";

/**
 * Applies the faults decided for one request to a plain node:http server, the way the local AWS server
 * does: the latency first (whatever the outcome), then a connection reset destroys the socket, so the
 * client sees the connection drop without an answer. The caller answers the other outcomes.
 */
export async function injectFaults(
  faults: Faults,
  operation: string,
  request: IncomingMessage,
): Promise<FaultOutcome> {
  const { latencyMs, outcome } = faults.decide(operation);
  if (latencyMs > 0) await sleep(latencyMs);
  if (outcome === "connectionReset") request.socket.destroy();
  return outcome;
}
