import { errorMessage } from "../aws/errors.js";
import type { ConsulApi } from "../controllers/consul/consul-client.js";
import type { LockState, WriterLock } from "../inventory/lock.js";
import type { Logger } from "../util/logger.js";

export interface LeaderOptions {
  /** The KV key whose lock is leadership, e.g. the mesh writer lock, ecsmesh/locks/<cluster>/<owner>. */
  readonly key: string;
  /** Who we are, stored as the lock's value (shown by followers' status). */
  readonly identity: string;
  /** Session TTL in seconds: a dead leader's lock is released this long after its last renewal. */
  readonly ttlSeconds: number;
  /** Consul's lock-delay: after a release by expiry, nobody may take the lock for this long. */
  readonly lockDelaySeconds: number;
  readonly onChange?: (isLeader: boolean) => void;
}

/**
 * Leader election through a Consul session lock (Consul's documented leader-election recipe):
 * a session with a TTL, renewed at a third of it, and `PUT /v1/kv/<key>?acquire=<session>`.
 * Followers keep trying; a leader whose renewal fails steps down at once rather than risk two
 * writers, and a stopped leader destroys its session so the lock frees without waiting the TTL.
 */
export class LeaderElection implements WriterLock {
  state: LockState = { held: false, reason: "NotAttempted", message: "not tried yet" };
  private session: string | undefined;
  private leader = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly consul: ConsulApi,
    private readonly options: LeaderOptions,
    private readonly log: Logger,
  ) {}

  get location(): string {
    return `consul:${this.options.key}`;
  }

  isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** One round: keep the session alive, then hold or try to take the lock. */
  async tick(): Promise<void> {
    try {
      if (this.session && !(await this.consul.sessionRenew(this.session))) {
        this.session = undefined;
        this.setLeader(false, "session expired");
      }
      if (!this.session) {
        this.session = await this.consul.sessionCreate({
          name: `ecsmesh leader ${this.options.identity}`,
          ttl: `${this.options.ttlSeconds}s`,
          lockDelay: `${this.options.lockDelaySeconds}s`,
        });
      }
      if (this.leader) {
        const holder = await this.consul.kvGet(this.options.key);
        if (holder?.session !== this.session) this.setLeader(false, "lock lost");
      } else {
        const acquired = await this.consul.kvLock(
          this.options.key,
          this.options.identity,
          this.session,
          "acquire",
        );
        if (acquired) this.setLeader(true, "lock acquired");
      }
      if (!this.leader) {
        const holder = await this.consul.kvGet(this.options.key);
        this.state = holder?.session
          ? { held: false, reason: "LockHeldBy", message: `held by ${holder.value}`, holder: holder.value }
          : // Free but not ours: a dead holder's lock-delay is still running.
            { held: false, reason: "LockHeldBy", message: "free, within the previous holder's lock-delay" };
      }
    } catch (error) {
      // Without Consul we cannot know we still hold the lock: stop writing.
      this.setLeader(false, `Consul unreachable: ${errorMessage(error)}`);
      this.state = {
        held: false,
        reason: "ConsulUnreachable",
        message: `Consul unreachable: ${errorMessage(error)}`,
      };
    }
  }

  /** Who holds the lock now (for followers' status), if anyone. */
  async currentLeader(): Promise<string | undefined> {
    const holder = await this.consul.kvGet(this.options.key);
    return holder?.session ? holder.value : undefined;
  }

  /** Releases the lock and destroys the session, so a follower takes over without waiting the TTL. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    const session = this.session;
    this.session = undefined;
    this.setLeader(false, "stopping");
    if (!session) return;
    try {
      await this.consul.kvLock(this.options.key, this.options.identity, session, "release");
      await this.consul.sessionDestroy(session);
    } catch (error) {
      this.log.warn(
        { err: errorMessage(error) },
        "could not release the leader lock; it frees when the session expires",
      );
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => this.schedule((this.options.ttlSeconds * 1000) / 3));
    }, delayMs);
    this.timer.unref();
  }

  private setLeader(leader: boolean, reason: string): void {
    if (leader) {
      const since = new Date().toISOString();
      if (!this.leader)
        this.state = { held: true, reason: "LockAcquired", message: `held since ${since}`, since };
    } else if (reason === "stopping") {
      this.state = { held: false, reason: "Released", message: "released" };
    }
    if (leader === this.leader) return;
    this.leader = leader;
    this.log.info(
      { leader, reason, identity: this.options.identity },
      leader ? "became leader" : "not the leader",
    );
    this.options.onChange?.(leader);
  }
}
