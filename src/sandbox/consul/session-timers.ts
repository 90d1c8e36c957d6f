/** Consul's leader invalidates a session only after twice its TTL without renewal. */
const TTL_MULTIPLIER = 2;

/** The TTL timers of sessions: each expiry invalidates its session unless renewed first. */
export class SessionTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly expire: (sessionId: string) => void) {}

  /** (Re)starts a session's timer; `ttl` in nanoseconds. */
  reset(sessionId: string, ttl: number): void {
    this.clear(sessionId);
    const timer = setTimeout(
      () => {
        this.#timers.delete(sessionId);
        this.expire(sessionId);
      },
      (ttl * TTL_MULTIPLIER) / 1e6,
    );
    // A pending expiry must not keep a test process alive.
    timer.unref();
    this.#timers.set(sessionId, timer);
  }

  clear(sessionId: string): void {
    clearTimeout(this.#timers.get(sessionId));
    this.#timers.delete(sessionId);
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
