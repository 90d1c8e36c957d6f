import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../support/processes.js";
import { PROMETHEUS } from "./support.js";

export interface RunningPrometheus {
  readonly url: string;
  /** What Prometheus logged so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Runs the real Prometheus on `<dir>/prometheus.yml` on a free loopback port and waits until it
 * is ready. A watchdog holding our end of a pipe kills it when this process goes away by any
 * means, even SIGKILL, where no exit handler or afterAll would run.
 */
export async function startPrometheus(dir: string): Promise<RunningPrometheus> {
  const url = `http://127.0.0.1:${await freePort()}`;
  const prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=${new URL(url).host}`,
      "--web.enable-lifecycle",
    ],
    { detached: false, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  prometheus.stdout.on("data", collect);
  prometheus.stderr.on("data", collect);
  const watchdog = spawn("/bin/sh", ["-c", 'cat >/dev/null; kill "$0" 2>/dev/null', String(prometheus.pid)], {
    detached: false,
    stdio: ["pipe", "ignore", "ignore"],
  });
  const stop = async () => {
    if (prometheus.exitCode === null && prometheus.signalCode === null) {
      const exited = once(prometheus, "exit");
      prometheus.kill("SIGTERM");
      await exited;
    }
    // Killed rather than given EOF: it must not send a signal once the pid may belong to another process.
    watchdog.kill("SIGKILL");
  };
  try {
    await waitReady(url, prometheus, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, log: () => output, stop };
}

async function waitReady(url: string, prometheus: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (prometheus.exitCode !== null)
      throw new Error(`prometheus exited with ${prometheus.exitCode}:\n${log()}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await sleep(100);
  }
  throw new Error(`prometheus was not ready within 15 s:\n${log()}`);
}
