import type { ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeExampleRepo } from "../../src/cli/sandbox.js";
import { type EmbeddedSandbox, startEmbeddedSandbox } from "../../src/sandbox/embedded.js";
import { freePort, spawnCli } from "../support/processes.js";

let sandbox: EmbeddedSandbox;
let repo: string;

beforeAll(async () => {
  sandbox = await startEmbeddedSandbox({ clusters: ["l5d-demo"], environment: {} });
  repo = path.join(await mkdtemp(path.join(tmpdir(), "ecsmesh-sigterm-")), "repo");
  await makeExampleRepo(repo);
});
afterAll(async () => {
  await sandbox.close();
});

function exit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("ecsmesh run as a process", () => {
  it("on SIGTERM finishes its pass, releases the leader lock and exits 0", async () => {
    const port = await freePort();
    const child = spawnCli(
      [
        "run",
        "--source",
        repo,
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--interval",
        "1m",
        "--poll",
        "1s",
        "--workdir",
        path.join(path.dirname(repo), "work"),
      ],
      { env: { ...process.env, ...sandbox.env, ECSMESH_LOG_LEVEL: "silent" }, stdio: "ignore" },
    );
    const exited = exit(child);
    await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 60_000);
    // The mesh's writer lock, taken in the first pass once the manifests have loaded.
    const lock = async () => {
      const response = await fetch(`${sandbox.env.CONSUL_HTTP_ADDR}/v1/kv/ecsmesh/locks/l5d-demo/l5d-demo`);
      return response.ok ? ((await response.json()) as { Session?: string }[]) : [];
    };
    await until(async () => Boolean((await lock())[0]?.Session), 30_000);

    // Signal in the middle of a pass: the webhook is off, so a new commit would be the trigger;
    // SIGTERM right after readiness lands during the follow-up registration pass or between passes.
    child.kill("SIGTERM");
    const started = Date.now();
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000); // ECS's default stopTimeout
    expect((await lock())[0]?.Session).toBeUndefined();
  }, 90_000);
});
