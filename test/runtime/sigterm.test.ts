import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeExampleRepo } from "../../src/cli/sandbox.js";
import { type EmbeddedSandbox, startEmbeddedSandbox } from "../../src/sandbox/embedded.js";

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
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "test/runtime/run-entry.mts",
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
    const lock = async () =>
      (await (await fetch(`${sandbox.env.CONSUL_HTTP_ADDR}/v1/kv/ecsmesh/leader`)).json()) as {
        Session?: string;
      }[];
    expect((await lock())[0]?.Session).toBeTruthy();

    // Signal in the middle of a pass: the webhook is off, so a new commit would be the trigger;
    // SIGTERM right after readiness lands during the follow-up registration pass or between passes.
    child.kill("SIGTERM");
    const started = Date.now();
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000); // ECS's default stopTimeout
    expect((await lock())[0]?.Session).toBeUndefined();
  }, 90_000);
});
