/** How one call ended: answered, throttled, its connection reset, or an error code. */
export type CallOutcome =
  | { readonly kind: "ok" }
  | { readonly kind: "throttled" }
  | { readonly kind: "connectionReset" }
  | { readonly kind: "error"; readonly code: string };

export interface OperationCalls {
  readonly total: number;
  readonly ok: number;
  readonly throttled: number;
  readonly connectionResets: number;
  /** Error code -> count; throttling is counted apart. */
  readonly errors: Readonly<Record<string, number>>;
}

interface Tally {
  total: number;
  ok: number;
  throttled: number;
  connectionResets: number;
  errors: Record<string, number>;
}

/** Operations that only read, by the naming convention every AWS API follows. */
const READ_ONLY = /^(Describe|List|Get|Discover|Batch(Get|Describe))/;

/** Counts a local server's calls per operation and outcome, for exact call-count assertions and benchmarks. */
export class CallCounter {
  readonly #calls = new Map<string, Tally>();

  constructor(private readonly isWrite: (operation: string) => boolean = (op) => !READ_ONLY.test(op)) {}

  record(operation: string, outcome: CallOutcome): void {
    let tally = this.#calls.get(operation);
    if (tally === undefined) {
      tally = { total: 0, ok: 0, throttled: 0, connectionResets: 0, errors: {} };
      this.#calls.set(operation, tally);
    }
    tally.total += 1;
    switch (outcome.kind) {
      case "ok":
        tally.ok += 1;
        break;
      case "throttled":
        tally.throttled += 1;
        break;
      case "connectionReset":
        tally.connectionResets += 1;
        break;
      case "error":
        tally.errors[outcome.code] = (tally.errors[outcome.code] ?? 0) + 1;
        break;
    }
  }

  get(operation: string): OperationCalls {
    const tally = this.#calls.get(operation);
    return tally === undefined
      ? { total: 0, ok: 0, throttled: 0, connectionResets: 0, errors: {} }
      : { ...tally, errors: { ...tally.errors } };
  }

  /** Every call, whatever its outcome. */
  total(): number {
    let sum = 0;
    for (const tally of this.#calls.values()) sum += tally.total;
    return sum;
  }

  /** Calls to mutating operations, whatever their outcome (a throttled write was still attempted). */
  writes(): number {
    let sum = 0;
    for (const [operation, tally] of this.#calls) if (this.isWrite(operation)) sum += tally.total;
    return sum;
  }

  snapshot(): Record<string, OperationCalls> {
    return Object.fromEntries([...this.#calls.keys()].sort().map((op) => [op, this.get(op)]));
  }

  reset(): void {
    this.#calls.clear();
  }
}
