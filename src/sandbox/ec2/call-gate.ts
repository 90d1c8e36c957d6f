import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { CallCounter } from "../call-counter.js";
import type { FaultOutcome, Faults } from "../faults.js";

/** What is left of a request's injected faults once latency and resets are dealt with. */
export type Admission = Exclude<FaultOutcome, "connectionReset">;

/**
 * Fault injection and call counting around one request, protocol apart: the latency is waited out
 * and a reset drops the socket here; throttles and server errors are the caller's to answer.
 */
export class CallGate {
  constructor(
    private readonly faults: Faults | undefined,
    private readonly calls: CallCounter | undefined,
    /** The error code the service throttles with, counted as `throttled` rather than as an error. */
    private readonly throttleCode: string,
  ) {}

  /** The fault to answer with, or undefined when the connection was reset (and counted) instead. */
  async admit(operation: string, socket: Socket): Promise<Admission | undefined> {
    const decision = this.faults?.decide(operation) ?? { latencyMs: 0, outcome: "pass" };
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.outcome !== "connectionReset") return decision.outcome;
    this.calls?.record(operation, { kind: "connectionReset" });
    socket.destroy();
    return undefined;
  }

  /** Counts an answered call: `code` is undefined for a success. */
  answered(operation: string, code: string | undefined): void {
    if (code === undefined) this.calls?.record(operation, { kind: "ok" });
    else if (code === this.throttleCode) this.calls?.record(operation, { kind: "throttled" });
    else this.calls?.record(operation, { kind: "error", code });
  }
}
