import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { HttpConsulApi } from "../../src/controllers/consul/consul-client.js";
import { FileWriterLock } from "../../src/inventory/file-lock.js";
import { LeaderElection } from "../../src/runtime/leader.js";
import { type ConsulServer, startConsulServer } from "../../src/sandbox/consul/server.js";
import { type EcsServer, startEcsServer } from "../../src/sandbox/ecs/server.js";
import { silentLogger } from "../../src/util/logger.js";
import { serviceYaml } from "../controllers/ecs/support.js";
import { spawnCli } from "../support/processes.js";

const SERVICES = 12;

let ecs: EcsServer;
let consul: ConsulServer;
let manifests: string;
let inventoryFile: string;

beforeEach(async () => {
  ecs = await startEcsServer({ clusters: ["demo"], faults: { throttling: false } });
  consul = await startConsulServer();
  const root = await mkdtemp(path.join(tmpdir(), "ecsmesh-safety-"));
  manifests = path.join(root, "manifests");
  inventoryFile = path.join(root, "inventory.json");
  const mesh = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata:
  name: demo
spec:
  ecs: { cluster: demo, region: us-east-1 }
  consul: { address: "${consul.url}" }
  linkerd: { daemon: { enabled: false } }
`;
  const services = Array.from({ length: SERVICES }, (_, i) =>
    serviceYaml(`svc-${String(i).padStart(2, "0")}`, `image: example/s${i}:1\nmemory: 64\ndesiredCount: 1`),
  );
  await mkdir(manifests, { recursive: true });
  await writeFile(path.join(manifests, "mesh.yaml"), [mesh, ...services].join("---\n"));
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all([ecs.close(), consul.close()]);
});

/** The local ECS through the standard AWS environment, as a user points the CLI at an endpoint. */
function awsEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_ECS: ecs.url,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    ECSMESH_LOG_LEVEL: "silent",
  };
}

async function cli(argv: string[], extraEnv: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const io = { out: (t: string) => (stdout += t), err: (t: string) => (stderr += t), color: false };
  const env = { ...awsEnv(), ...extraEnv };
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  try {
    const code = await main(argv, io, process.env);
    return { code, stdout, stderr };
  } finally {
    vi.unstubAllEnvs();
  }
}

/** `ecsmesh apply` as a real process, as a user runs it, so it can be interrupted or killed. */
function applyProcess(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number> } {
  let output = "";
  const child = spawnCli(["apply", manifests, ...args], {
    env: { ...process.env, ...awsEnv() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : 1))),
  );
  return { child, output: () => output, exit };
}

/** Waits until the ECS server has answered `count` calls of `operation` without error. */
async function untilCalls(operation: string, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (ecs.calls.get(operation).ok < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} ${operation} calls`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function planSummary(args: string[], env: Record<string, string> = {}) {
  const plan = await cli(["plan", manifests, "--output", "json", ...args], env);
  return { code: plan.code, summary: JSON.parse(plan.stdout).ecs.summary as Record<string, number> };
}

describe("an interrupted apply loses nothing", () => {
  // Slow calls, so the apply is surely between two steps when it is interrupted.
  beforeEach(() => ecs.faults.configure({ latencyMs: 300 }));

  it("is finished by the next apply after kill -9, with no --adopt, nothing created twice, no stale lock", async () => {
    const apply = applyProcess(["--inventory", inventoryFile]);
    // Killed while CreateService calls are in flight: ECS creates services the process never hears of.
    await untilCalls("CreateService", 1);
    apply.child.kill("SIGKILL");
    await apply.exit;
    ecs.faults.configure({ latencyMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 400)); // the calls in flight land

    const before = await planSummary(["--inventory", inventoryFile]);
    expect(before.summary.blocked).toBe(0);
    const again = await cli(["apply", manifests, "--inventory", inventoryFile]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(await planSummary(["--inventory", inventoryFile])).toEqual({
      code: 0,
      summary: { create: 0, update: 0, delete: 0, noop: SERVICES, blocked: 0 },
    });
    // Every revision and service the killed run made was recorded and reused, none made twice.
    expect(ecs.calls.get("RegisterTaskDefinition").ok).toBe(SERVICES);
    expect(ecs.calls.get("CreateService").ok).toBe(SERVICES);
  }, 60_000);

  it("on Ctrl-C finishes the calls in flight, says what was and was not done, and exits 130", async () => {
    const apply = applyProcess(["--inventory", inventoryFile]);
    // Interrupted as the task definitions come back, before their services are created.
    await untilCalls("RegisterTaskDefinition", 1);
    apply.child.kill("SIGINT");
    expect(await apply.exit).toBe(130);
    expect(apply.output()).toContain("interrupted: finishing the calls in flight");
    expect(apply.output()).toMatch(
      /Interrupted\. Done: \d+ resource\(s\).*\. Not finished: [1-9]\d* \(svc-\d\d: 1 action\(s\) not started/,
    );
    expect(apply.output()).toContain("run apply again to finish");
    const inventory = JSON.parse(await readFile(inventoryFile, "utf8")) as {
      services: Record<string, { revisions: unknown[] }>;
    };
    expect(Object.values(inventory.services).filter((s) => s.revisions.length === 1)).toHaveLength(SERVICES);
    // The lock was released on the way out: the next apply takes it at once and finishes the job.
    ecs.faults.configure({ latencyMs: 0 });
    const again = await cli(["apply", manifests, "--inventory", inventoryFile]);
    expect(again.code).toBe(0);
    expect((await planSummary(["--inventory", inventoryFile])).summary).toMatchObject({
      blocked: 0,
      noop: SERVICES,
    });
    expect(ecs.calls.get("RegisterTaskDefinition").ok).toBe(SERVICES);
  }, 60_000);
});

describe("one writer at a time", () => {
  it("refuses a second apply while another writer holds the file lock, naming it, writing nothing", async () => {
    const other = new FileWriterLock(`${inventoryFile}.lock`, "the other apply");
    await other.tick();
    try {
      const second = await cli(["apply", manifests, "--inventory", inventoryFile]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain("another writer holds this mesh's lock");
      expect(second.stderr).toMatch(/held by the other apply \(pid \d+ on /);
      expect(ecs.calls.writes()).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it("refuses while the controller holds the mesh's Consul lock, and --lock-timeout waits for it", async () => {
    const controller = new LeaderElection(
      new HttpConsulApi({ address: consul.url, token: undefined }),
      {
        key: "ecsmesh/locks/demo/demo",
        identity: "controller ip-10-0-0-1",
        ttlSeconds: 10,
        lockDelaySeconds: 0,
      },
      silentLogger,
    );
    await controller.tick();
    expect(controller.isLeader()).toBe(true);
    const refused = await cli(["apply", manifests]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("held by controller ip-10-0-0-1");
    expect(ecs.calls.writes()).toBe(0);

    setTimeout(() => void controller.stop(), 1_500);
    const waited = await cli(["apply", manifests, "--lock-timeout", "20s"]);
    expect(waited.stderr).toContain("waiting for the mesh's writer lock");
    expect(waited.code).toBe(0);
    expect(ecs.calls.get("CreateService").ok).toBe(SERVICES);
  }, 30_000);
});

describe("where the inventory lives", () => {
  it("is the mesh's own Consul whether or not CONSUL_HTTP_ADDR is set", async () => {
    const applied = await cli(["apply", manifests], { CONSUL_HTTP_ADDR: consul.url.replace("http://", "") });
    expect(applied.code).toBe(0);
    // A shell without CONSUL_HTTP_ADDR finds the same inventory through the Mesh's consul.address.
    expect(await planSummary([])).toEqual({
      code: 0,
      summary: { create: 0, update: 0, delete: 0, noop: SERVICES, blocked: 0 },
    });
    const keys = (await (
      await fetch(`${consul.url}/v1/kv/ecsmesh/inventory/demo/demo/?keys`)
    ).json()) as string[];
    expect(keys).toHaveLength(SERVICES);
  });
});
