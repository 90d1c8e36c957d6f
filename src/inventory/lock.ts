/**
 * Why a writer does or does not hold a mesh's lock, for logs, `/status`, the page and metrics:
 * a controller that writes nothing must say why.
 */
export type LockState =
  | { readonly held: true; readonly reason: "LockAcquired"; readonly message: string; readonly since: string }
  | {
      readonly held: false;
      /** NotAttempted: no try yet; LockHeldBy: another writer has it; ConsulUnreachable, LockFileError: the lock could not be read. */
      readonly reason: "NotAttempted" | "LockHeldBy" | "ConsulUnreachable" | "LockFileError" | "Released";
      readonly message: string;
      readonly holder?: string;
    };

/**
 * The one lock every writer of a mesh takes (CLI apply and the controller alike), kept where the
 * mesh's inventory is: two writers never interleave their creations or rollouts.
 */
export interface WriterLock {
  /** Where the lock lives, for messages (never a secret). */
  readonly location: string;
  readonly state: LockState;
  isLeader(): boolean;
  /** One attempt: keep the lock if held, else try to take it. Never throws. */
  tick(): Promise<void>;
  /** Keeps the lock (renewing it) and keeps trying to take it, in the background. */
  start(): void;
  /** Releases the lock if held; stops the background work. */
  stop(): Promise<void>;
}

export class LockHeldError extends Error {
  constructor(
    readonly location: string,
    readonly state: LockState,
  ) {
    super(`${location}: ${state.message}`);
    this.name = "LockHeldError";
  }
}

/**
 * Takes the lock once now, then retries until `waitMs` has passed (terraform's -lock-timeout);
 * on success the lock keeps itself renewed until `stop()`.
 */
export async function acquireWriterLock(
  lock: WriterLock,
  waitMs: number,
  retryMs = 1_000,
  onWait: (state: LockState) => void = () => {},
): Promise<void> {
  const deadline = Date.now() + waitMs;
  await lock.tick();
  while (!lock.isLeader()) {
    if (Date.now() >= deadline) throw new LockHeldError(lock.location, lock.state);
    onWait(lock.state);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(retryMs, Math.max(0, deadline - Date.now()))),
    );
    await lock.tick();
  }
  lock.start();
}
