import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxRun, startBanner, startSandboxController } from "../../src/cli/sandbox.js";
import type { ControllerStatus } from "../../src/runtime/status.js";
import { type ConsulServer, startConsulServer } from "../../src/sandbox/consul/server.js";

const exec = promisify(execFile);
const saved = { ...process.env };
/** Plays the real Consul a user points `npm start` at. */
let realConsul: ConsulServer;
let started: SandboxRun;

async function status(): Promise<ControllerStatus> {
  return (await (await fetch(`${started.controller.server.url}/status`)).json()) as ControllerStatus;
}

beforeAll(async () => {
  realConsul = await startConsulServer();
  started = await startSandboxController({
    port: 0,
    workdir: await mkdtemp(path.join(tmpdir(), "ecsmesh-start-")),
    logLevel: "silent",
    // host:port without a scheme, as Consul's own CLI takes it.
    environment: { CONSUL_HTTP_ADDR: realConsul.url.replace(/^http:\/\//, "") },
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const current = await status();
    const registered = new Set(realConsul.catalog.services().map((s) => s.ServiceName));
    if (current.lastAppliedRevision && ["hello", "world", "world-v2"].every((name) => registered.has(name)))
      break;
    if (Date.now() > deadline) throw new Error(`not converged: ${JSON.stringify(current.conditions)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 90_000);

afterAll(async () => {
  await started?.stop();
  await realConsul?.close();
  process.env = saved;
});

describe("npm start with CONSUL_HTTP_ADDR", () => {
  it("uses that Consul, given as host:port, instead of starting its own", async () => {
    expect(started.sandbox.consul).toBeUndefined();
    expect(started.environment.CONSUL_HTTP_ADDR).toBe(realConsul.url);
    const ours = realConsul.catalog.services().filter((s) => s.Node === "ecsmesh-l5d-demo");
    expect(ours.length).toBeGreaterThanOrEqual(3);
    const [leader] = (await (
      await fetch(`${realConsul.url}/v1/kv/ecsmesh/locks/l5d-demo/l5d-demo`)
    ).json()) as {
      Session?: string;
    }[];
    expect(leader?.Session).toBeTruthy();
  });

  it("names in its banner what is real and what is simulated", () => {
    const banner = startBanner(started);
    expect(banner).toContain(`  Consul     ${realConsul.url} (CONSUL_HTTP_ADDR)\n`);
    for (const local of ["ECS", "EC2", "Cloud Map", "namerd"])
      expect(banner).toMatch(
        new RegExp(`^  ${local} +local sandbox \\(http://127\\.0\\.0\\.1:\\d+\\)$`, "m"),
      );
    expect(banner).toContain("No AWS account is used.");
    expect(banner).not.toMatch(/local Consul/);
  });

  it("suggests a curl line that prints the applied revision from the real /status", async () => {
    const line = startBanner(started).match(/^ {2}(curl -s .*)$/m)?.[1];
    expect(line).toBeDefined();
    const { stdout } = await exec("sh", ["-c", line as string]);
    const sha = (await exec("git", ["-C", started.repo, "rev-parse", "HEAD"])).stdout.trim();
    expect(stdout).toBe(`"lastAppliedRevision": "main@sha1:${sha}"\n`);
  });
});
