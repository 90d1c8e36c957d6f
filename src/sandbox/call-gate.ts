import type { IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { CallCounter } from "./call-counter.js";
import type { FaultOutcome, Faults } from "./faults.js";
import type { LocalHttpServer } from "./local-http.js";

/** The status plain HTTP APIs (Consul, namerd) throttle with, counted as `throttled`. */
export const TOO_MANY_REQUESTS = "429";

/** What is left of a request's injected faults once latency and resets are dealt with. */
export type Admission = Exclude<FaultOutcome, "connectionReset">;

/** A local server whose requests pass a CallGate: tests read its call counts and change its faults. */
export interface GatedServer extends LocalHttpServer {
  readonly calls: CallCounter;
  readonly faults: Faults;
}

/**
 * Fault injection and call counting around one request on a plain node:http server, protocol apart:
 * the latency is waited out first (whatever the outcome), then a reset drops the socket without an
 * answer; throttles and server errors are the caller's to answer in its protocol's error format.
 */
export class CallGate {
  constructor(
    private readonly faults: Faults | undefined,
    private readonly calls: CallCounter | undefined,
    /** The code the service throttles with, counted as `throttled`; none if it never throttles. */
    private readonly throttleCode?: string,
  ) {}

  /** The fault to answer with, or undefined when the connection was reset (and counted) instead. */
  async admit(operation: string, request: IncomingMessage): Promise<Admission | undefined> {
    const decision = this.faults?.decide(operation) ?? { latencyMs: 0, outcome: "pass" };
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.outcome !== "connectionReset") return decision.outcome;
    this.calls?.record(operation, { kind: "connectionReset" });
    request.socket.destroy();
    return undefined;
  }

  /** Counts an answered call: `code` is undefined for a success. */
  answered(operation: string, code: string | undefined): void {
    if (code === undefined) this.calls?.record(operation, { kind: "ok" });
    else if (code === this.throttleCode) this.calls?.record(operation, { kind: "throttled" });
    else this.calls?.record(operation, { kind: "error", code });
  }
}
