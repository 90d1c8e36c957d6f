import { link, mkdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { z } from "zod";
import type { LockState, WriterLock } from "./lock.js";

const Holder = z.object({ identity: z.string(), host: z.string(), pid: z.number(), since: z.string() });
type Holder = z.infer<typeof Holder>;

/** True when `pid` is a live process on this host (signal 0 only checks). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * An exclusive lock file beside a file inventory: created atomically (hard link of a complete
 * temporary file, which fails if the lock exists), holding who took it. A lock left by a process
 * that is gone from this host (kill -9) is taken over; one held on another host is never broken.
 */
export class FileWriterLock implements WriterLock {
  private holding: Holder | undefined;
  state: LockState = { held: false, reason: "NotAttempted", message: "not tried yet" };

  constructor(
    private readonly file: string,
    private readonly identity: string,
  ) {}

  get location(): string {
    return `file:${this.file}`;
  }

  isLeader(): boolean {
    return this.holding !== undefined;
  }

  async tick(): Promise<void> {
    try {
      if (this.holding) {
        const current = await this.readHolder();
        if (current?.pid === this.holding.pid && current.since === this.holding.since) return;
        this.holding = undefined;
      }
      if (await this.tryCreate()) return;
      const holder = await this.readHolder();
      if (holder && holder.host === hostname() && !processAlive(holder.pid)) {
        // The holder died without releasing (kill -9): its lock protects nothing any more.
        await rm(this.file, { force: true });
        if (await this.tryCreate()) return;
      }
      const current = (await this.readHolder()) ?? holder;
      this.state = {
        held: false,
        reason: "LockHeldBy",
        message: current
          ? `held by ${current.identity} (pid ${current.pid} on ${current.host}) since ${current.since}`
          : "held by another writer",
        ...(current ? { holder: current.identity } : {}),
      };
    } catch (error) {
      this.holding = undefined;
      this.state = {
        held: false,
        reason: "LockFileError",
        message: `lock file ${this.file}: ${String(error)}`,
      };
    }
  }

  start(): void {}

  async stop(): Promise<void> {
    if (!this.holding) return;
    const current = await this.readHolder().catch(() => undefined);
    if (current?.pid === this.holding.pid && current.since === this.holding.since) await unlink(this.file);
    this.holding = undefined;
    this.state = { held: false, reason: "Released", message: "released" };
  }

  private async tryCreate(): Promise<boolean> {
    const holder: Holder = {
      identity: this.identity,
      host: hostname(),
      pid: process.pid,
      since: new Date().toISOString(),
    };
    await mkdir(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, `${JSON.stringify(holder)}\n`);
    try {
      await link(temporary, this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    } finally {
      await unlink(temporary);
    }
    this.holding = holder;
    this.state = {
      held: true,
      reason: "LockAcquired",
      message: `held since ${holder.since}`,
      since: holder.since,
    };
    return true;
  }

  private async readHolder(): Promise<Holder | undefined> {
    try {
      return Holder.parse(JSON.parse(await readFile(this.file, "utf8")));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }
}
