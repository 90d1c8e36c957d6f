import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The installed CLI as people run it: bin/ecsmesh.js on the compiled dist/.
const exec = promisify(execFile);
const BIN = path.resolve("bin/ecsmesh.js");
let held: Server;
let heldPort: number;
let cwd: string;

/** The parent's environment without anything that would point the child at other servers. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|CONSUL_|ECSMESH_)/.test(name)),
  );
  return { ...env, ...extra };
}

/** Runs the CLI to its exit; a process that does not stop by itself is killed and fails the test. */
function ecsmesh(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000) {
  return new Promise<{ code: number | null; stderr: string; ms: number }>((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`still running after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - started });
    });
  });
}

beforeAll(async () => {
  await exec("npx", ["tsc", "-p", "tsconfig.build.json"]);
  cwd = await mkdtemp(path.join(tmpdir(), "ecsmesh-process-"));
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, "127.0.0.1", resolve));
  heldPort = (held.address() as { port: number }).port;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => held?.close(resolve));
});

describe("bin/ecsmesh.js", () => {
  it("prints package.json's version", async () => {
    const { version } = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    const { stdout } = await exec(process.execPath, [BIN, "--version"], { cwd });
    expect(stdout).toBe(`${version}\n`);
  });

  it("start with ECSMESH_PORT taken exits non-zero by itself, naming the port and ECSMESH_PORT", async () => {
    const { code, stderr, ms } = await ecsmesh(["start"], cleanEnv({ ECSMESH_PORT: String(heldPort) }));
    expect(code).not.toBe(0);
    expect(stderr).toContain(`port ${heldPort} is in use; set ECSMESH_PORT to another port`);
    expect(ms).toBeLessThan(15_000);
  }, 30_000);

  it("run with --port taken exits non-zero by itself, naming the port and --port", async () => {
    const args = ["run", "--source", cwd, "--host", "127.0.0.1", "--port", String(heldPort)];
    const { code, stderr } = await ecsmesh(args, cleanEnv({ ECSMESH_LOG_LEVEL: "silent" }));
    expect(code).not.toBe(0);
    expect(stderr).toContain(`port ${heldPort} is in use; pass another with --port`);
  }, 30_000);
});
