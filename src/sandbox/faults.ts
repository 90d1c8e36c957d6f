import type { BucketLimit, RateLimits } from "./published-limits.js";
import { seededRandom } from "./seeded-random.js";

export interface FaultSettings {
  /** Delay before every answer, throttled and failed ones included. */
  readonly latencyMs: number;
  readonly throttling: boolean;
  /** Share of requests (0..1) throttled whatever the buckets hold, for chaos runs and servers without buckets. */
  readonly throttleRate: number;
  /** Multiplies every refill rate, so that a benchmark can run ten times faster buckets with 10. */
  readonly timeScale: number;
  /** Limits replacing the defaults of the named buckets (configure replaces this map as a whole). */
  readonly buckets: Readonly<Record<string, BucketLimit>>;
  /** Share of requests (0..1) answered with a server error (HTTP 500). */
  readonly serverErrorRate: number;
  /** Share of requests (0..1) whose connection is destroyed without an answer. */
  readonly connectionResetRate: number;
  /** The same seed and the same sequence of requests give the same faults. */
  readonly seed: number;
}

export type FaultOutcome = "pass" | "throttle" | "serverError" | "connectionReset";

export interface FaultDecision {
  readonly latencyMs: number;
  readonly outcome: FaultOutcome;
}

interface BucketState {
  tokens: number;
  updatedAt: number;
}

/** Fault injection for a local AWS server: latency, throttling, server errors and connection resets. */
export class Faults {
  #settings: FaultSettings;
  #random: () => number;
  readonly #buckets = new Map<string, BucketState>();

  constructor(
    private readonly limits: RateLimits,
    settings: Partial<FaultSettings> = {},
    /** Milliseconds; injectable so that tests can drive the buckets. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#settings = checked({
      latencyMs: 0,
      throttling: true,
      throttleRate: 0,
      timeScale: 1,
      buckets: {},
      serverErrorRate: 0,
      connectionResetRate: 0,
      seed: Math.floor(Math.random() * 2 ** 32),
      ...settings,
    });
    this.#random = seededRandom(this.#settings.seed);
  }

  get settings(): FaultSettings {
    return this.#settings;
  }

  /** Changes settings at runtime; buckets keep their tokens (clipped to a smaller burst). */
  configure(changes: Partial<FaultSettings>): void {
    const next = checked({ ...this.#settings, ...changes });
    for (const bucket of this.#buckets.keys()) this.#current(bucket);
    this.#settings = next;
    for (const [bucket, state] of this.#buckets) {
      state.tokens = Math.min(state.tokens, this.limit(bucket)?.burst ?? 0);
    }
    if (changes.seed !== undefined) this.#random = seededRandom(changes.seed);
  }

  /** The limit in force for a bucket (override or default). */
  limit(bucket: string): BucketLimit | undefined {
    return this.#settings.buckets[bucket] ?? this.limits.buckets[bucket];
  }

  /** Tokens left in a bucket now. */
  tokens(bucket: string): number {
    return this.#current(bucket)?.tokens ?? 0;
  }

  /** Fills every bucket to its burst. */
  refill(): void {
    this.#buckets.clear();
  }

  /** What happens to one request: takes a token when the request gets through the throttle. */
  decide(operation: string): FaultDecision {
    // Three draws per request whatever the settings, so that one fault's rate never shifts another's sequence.
    const resetDraw = this.#random();
    const errorDraw = this.#random();
    const throttleDraw = this.#random();
    const { latencyMs } = this.#settings;
    if (resetDraw < this.#settings.connectionResetRate) return { latencyMs, outcome: "connectionReset" };
    if (throttleDraw < this.#settings.throttleRate) return { latencyMs, outcome: "throttle" };
    if (this.#settings.throttling && !this.#take(operation)) return { latencyMs, outcome: "throttle" };
    if (errorDraw < this.#settings.serverErrorRate) return { latencyMs, outcome: "serverError" };
    return { latencyMs, outcome: "pass" };
  }

  #take(operation: string): boolean {
    const bucket = this.limits.operations[operation];
    if (bucket === undefined) return true;
    const state = this.#current(bucket);
    if (state === undefined || state.tokens < 1) return false;
    state.tokens -= 1;
    return true;
  }

  #current(bucket: string): BucketState | undefined {
    const limit = this.limit(bucket);
    if (limit === undefined) return undefined;
    const now = this.now();
    let state = this.#buckets.get(bucket);
    if (state === undefined) {
      state = { tokens: limit.burst, updatedAt: now };
      this.#buckets.set(bucket, state);
    }
    const refilled = ((now - state.updatedAt) / 1000) * limit.refillPerSecond * this.#settings.timeScale;
    state.tokens = Math.min(limit.burst, state.tokens + refilled);
    state.updatedAt = now;
    return state;
  }
}

function checked(settings: FaultSettings): FaultSettings {
  const rate = (name: string, value: number) => {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  };
  rate("serverErrorRate", settings.serverErrorRate);
  rate("connectionResetRate", settings.connectionResetRate);
  rate("throttleRate", settings.throttleRate);
  if (!(settings.latencyMs >= 0)) throw new RangeError(`latencyMs must be >= 0, got ${settings.latencyMs}`);
  if (!(settings.timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${settings.timeScale}`);
  for (const [name, limit] of Object.entries(settings.buckets)) {
    if (!(limit.burst >= 0 && limit.refillPerSecond >= 0)) {
      throw new RangeError(`bucket ${name} needs a burst and a refill rate >= 0`);
    }
  }
  return settings;
}
