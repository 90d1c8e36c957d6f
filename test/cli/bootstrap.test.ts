import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type BootstrapOptions,
  bootstrapCommand,
  CONTROLLER_MANIFESTS_DIR,
  renderControllerManifests,
} from "../../src/cli/bootstrap.js";
import type { CliIO } from "../../src/cli/io.js";
import type { CliEnv } from "../../src/cli/mesh-commands.js";
import { makeExampleRepo } from "../../src/cli/sandbox.js";
import { loadManifestDir } from "../../src/compile/load.js";
import { compileMesh } from "../../src/compile/mesh.js";
import { HttpConsulApi } from "../../src/controllers/consul/consul-client.js";
import { applyEcsPlan } from "../../src/controllers/ecs/apply.js";
import { SdkEcsApi } from "../../src/controllers/ecs/ecs-client.js";
import { planEcsForMesh } from "../../src/controllers/ecs/reconcile.js";
import { ConsulInventoryStore } from "../../src/inventory/consul-store.js";
import { FileWriterLock } from "../../src/inventory/file-lock.js";
import { FileInventoryStore } from "../../src/inventory/store.js";
import { startConsulServer } from "../../src/sandbox/consul/server.js";
import { type EcsServer, startEcsServer } from "../../src/sandbox/ecs/server.js";
import { silentLogger } from "../../src/util/logger.js";

const run = promisify(execFile);
const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
const ENV: CliEnv = {
  awsRegion: undefined,
  logLevel: "silent",
  consulAddress: undefined,
  consulToken: undefined,
  namerdUrl: undefined,
};
const CONTROLLER = "ecsmesh-controller";

let root: string;
let server: EcsServer;
let inventoryFile: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ecsmesh-bootstrap-test-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  server = await startEcsServer({ clusters: ["l5d-demo"], faults: { throttling: false } });
  // The real SDK, reaching the local ECS the way it would reach AWS: through the standard environment.
  vi.stubEnv("AWS_ENDPOINT_URL_ECS", server.url);
  vi.stubEnv("AWS_ACCESS_KEY_ID", CREDENTIALS.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secretAccessKey);
  inventoryFile = path.join(await mkdtemp(path.join(root, "inventory-")), "inventory.json");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
});

async function bootstrap(options: Partial<BootstrapOptions> & { source: string }, env = ENV) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { out: (t) => (stdout += t), err: (t) => (stderr += t), color: false };
  const code = await bootstrapCommand(
    {
      ref: "main",
      path: ".",
      dir: undefined,
      manifests: CONTROLLER_MANIFESTS_DIR,
      image: undefined,
      dryRun: false,
      inventory: inventoryFile,
      gitAuth: {},
      ...options,
    },
    env,
    io,
  );
  return { code, stdout, stderr };
}

async function commitAll(repo: string, message: string): Promise<void> {
  const git = (...args: string[]) =>
    run("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repo });
  await git("add", "--all");
  await git("commit", "--quiet", "--message", message);
}

async function inventoryNames(): Promise<string[]> {
  const inventory = JSON.parse(await readFile(inventoryFile, "utf8")) as { services: object };
  return Object.keys(inventory.services).sort();
}

async function live(names: string[]) {
  const sdk = new ECSClient({ endpoint: server.url, region: "us-east-1", credentials: CREDENTIALS });
  try {
    const out = await sdk.send(
      new DescribeServicesCommand({ cluster: "l5d-demo", services: names, include: ["TAGS"] }),
    );
    return new Map((out.services ?? []).map((s) => [s.serviceName, s]));
  } finally {
    sdk.destroy();
  }
}

const SOURCE = { source: "https://git.example.com/fleet.git", ref: "main", path: "." };

/**
 * A checkout of SOURCE: a Mesh that would let a pass delete every managed Service, its Service
 * `app` already running and in the file inventory, and the controller's manifest committed.
 */
async function checkoutWithApp(): Promise<string> {
  const dir = await mkdtemp(path.join(root, "checkout-"));
  await writeFile(
    path.join(dir, "mesh.yaml"),
    `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: { name: l5d-demo }
spec:
  ecs: { cluster: l5d-demo, region: us-east-1 }
  linkerd: { daemon: { enabled: false } }
  prune: { enabled: true, maxDeletePercent: 100 }
---
apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata: { name: app }
spec: { image: example/app:1, memory: 64, desiredCount: 1 }
`,
  );
  const loaded = await loadManifestDir(dir);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  const api = new SdkEcsApi({ region: "us-east-1" });
  const deps = { api, store: new FileInventoryStore(inventoryFile), cache: new Map() };
  const planned = await planEcsForMesh(compileMesh(loaded.set), deps, {
    allowMassPrune: false,
    adopt: false,
  });
  await applyEcsPlan(api, planned.plan, planned.inventory, deps.store, silentLogger);
  const [rendered] = await renderControllerManifests(CONTROLLER_MANIFESTS_DIR, SOURCE, undefined);
  await writeFile(path.join(dir, `${CONTROLLER}.yaml`), rendered?.text ?? "");
  return dir;
}

describe("rendering the controller's manifest", () => {
  it("points the run command at the repository and keeps the template's comments", async () => {
    const [file] = await renderControllerManifests(
      CONTROLLER_MANIFESTS_DIR,
      { source: "https://git.example.com/fleet.git", ref: "prod", path: "meshes/demo" },
      "registry.example.com/ecsmesh:1.2.3",
    );
    expect(file?.text).toContain(
      "  command:\n    - run\n    - --source\n    - https://git.example.com/fleet.git\n    - --ref\n    - prod\n    - --path\n    - meshes/demo\n",
    );
    expect(file?.text).toContain("image: registry.example.com/ecsmesh:1.2.3");
    expect(file?.text).toContain("# Placeholder registry");
  });

  it("labels the Service as the controller, which keeps its roles from every other Service", async () => {
    const template = await mkdtemp(path.join(tmpdir(), "ecsmesh-template-"));
    try {
      const unlabelled = (
        await readFile(path.join(CONTROLLER_MANIFESTS_DIR, "controller.yaml"), "utf8")
      ).replace("  labels: { ecsmesh.io/component: controller }\n", "");
      await writeFile(path.join(template, "controller.yaml"), unlabelled);
      const [file] = await renderControllerManifests(template, SOURCE, undefined);
      expect(unlabelled).not.toContain("ecsmesh.io/component");
      expect(file?.text).toContain("ecsmesh.io/component: controller");
    } finally {
      await rm(template, { recursive: true, force: true });
    }
  });
});

describe("ecsmesh bootstrap against the local ECS", () => {
  it("prints the manifest to commit, and applies nothing, while the repository lacks it; then deploys only the controller, once", async () => {
    const repo = path.join(root, "fleet");
    await makeExampleRepo(repo);

    const missing = await bootstrap({ source: repo });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`does not declare Service ${CONTROLLER} yet`);
    expect(missing.stdout).toContain(`name: ${CONTROLLER}`);
    expect(missing.stdout).toContain(
      `- --source\n    - ${repo}\n    - --ref\n    - main\n    - --path\n    - .\n`,
    );
    expect(server.calls.total()).toBe(0);

    // What a person does with that output: `ecsmesh bootstrap ... > ecsmesh-controller.yaml`, commit.
    await writeFile(path.join(repo, `${CONTROLLER}.yaml`), missing.stdout);
    await commitAll(repo, "the controller manages itself");

    const first = await bootstrap({ source: repo });
    expect(first.stderr).toContain("but --inventory records it in file:");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`+ Service ${CONTROLLER}: create`);
    expect(first.stdout).toContain("Plan: 1 to create, 0 to update, 0 to delete, 0 unchanged, 0 blocked.");
    expect(server.calls.get("RegisterTaskDefinition").total).toBe(1);
    expect(server.calls.get("CreateService").total).toBe(1);
    expect(server.calls.writes()).toBe(2);
    const services = await live([CONTROLLER, "hello", "world", "world-v2", "linkerd"]);
    expect([...services.keys()]).toEqual([CONTROLLER]);
    expect(services.get(CONTROLLER)?.tags).toContainEqual({ key: "ecsmesh:owner", value: "l5d-demo" });
    expect(services.get(CONTROLLER)?.desiredCount).toBe(2);
    expect(await inventoryNames()).toEqual([CONTROLLER]);

    server.calls.reset();
    const second = await bootstrap({ source: repo });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("Already bootstrapped");
    expect(server.calls.writes()).toBe(0);

    // Bootstrap is a writer like apply: it waits for nobody and names who holds the mesh's lock.
    const holder = new FileWriterLock(`${inventoryFile}.lock`, "an apply elsewhere");
    await holder.tick();
    const locked = await bootstrap({ source: repo });
    await holder.stop();
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain("held by an apply elsewhere");
    expect(server.calls.writes()).toBe(0);

    // Another image than the committed one: the controller would redeploy itself, so nothing is applied.
    const other = await bootstrap({ source: repo, image: "registry.example.com/ecsmesh:9.9.9" });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`The repository's Service ${CONTROLLER} differs from this manifest`);
    expect(other.stdout).toContain("image: registry.example.com/ecsmesh:9.9.9");
    expect(server.calls.writes()).toBe(0);
  });

  it("refuses a credential in --source, which it would write into the manifest and the task definition", async () => {
    const token = "ghp_SECRETTOKEN123";
    const source = `https://${token}@git.example.com/fleet.git`;
    const missing = path.join(root, "credential-missing");
    await makeExampleRepo(missing);
    // As if the manifest it printed had been committed: applying it would put the token into ECS.
    const committed = path.join(root, "credential-committed");
    await makeExampleRepo(committed);
    const [rendered] = await renderControllerManifests(
      CONTROLLER_MANIFESTS_DIR,
      { ...SOURCE, source },
      undefined,
    );
    await writeFile(path.join(committed, `${CONTROLLER}.yaml`), rendered?.text ?? "");

    for (const dir of [missing, committed]) {
      const refused = await bootstrap({ source, dir });
      expect(refused.code).toBe(64);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toContain("give the token as ECSMESH_GIT_TOKEN");
      expect(refused.stderr).toContain("--source https://git.example.com/fleet.git holds a credential");
      expect(refused.stderr).not.toContain(token);
    }
    expect(server.calls.total()).toBe(0);
  });

  it("never deletes the other Services it manages, even with pruning wide open", async () => {
    const dir = await checkoutWithApp();
    server.calls.reset();

    const dryRun = await bootstrap({ ...SOURCE, dir, dryRun: true });
    expect(dryRun.code).toBe(2);
    expect(dryRun.stdout).not.toContain("Service app");
    expect(server.calls.writes()).toBe(0);

    const applied = await bootstrap({ ...SOURCE, dir });
    expect(applied.code).toBe(0);
    expect(server.calls.get("DeleteService").total).toBe(0);
    expect((await live(["app"])).get("app")?.status).toBe("ACTIVE");
    expect(await inventoryNames()).toEqual(["app", CONTROLLER]);
  });

  it("records the controller in Consul KV, where the controller keeps its inventory, given CONSUL_HTTP_ADDR", async () => {
    const consul = await startConsulServer();
    try {
      const dir = await checkoutWithApp();
      // No --inventory: with a Consul, the inventory goes where the controller keeps it.
      const { code, stderr } = await bootstrap(
        { ...SOURCE, dir, inventory: undefined },
        { ...ENV, consulAddress: consul.url },
      );
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const store = new ConsulInventoryStore(new HttpConsulApi({ address: consul.url, token: undefined }));
      expect(Object.keys((await store.load("l5d-demo", "l5d-demo")).services)).toEqual([CONTROLLER]);
    } finally {
      await consul.close();
    }
  });
});
