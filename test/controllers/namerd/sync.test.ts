import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { compileMesh } from "../../../src/compile/mesh.js";
import { reconcileMesh } from "../../../src/controllers/mesh.js";
import { HttpNamerdApi } from "../../../src/controllers/namerd/namerd-client.js";
import { showDtab } from "../../../src/sandbox/namerd/dtab-syntax.js";
import type { ManifestSet } from "../../../src/specs/manifest-set.js";
import { silentLogger } from "../../../src/util/logger.js";
import { loadSet, serviceYaml } from "../ecs/support.js";
import {
  FAST_POLICY,
  type Sandbox,
  startSandbox,
  type TargetOverrides,
  targetsFor,
} from "../mesh-support.js";

const mesh = (policy: "overwrite" | "report") => `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: {name: demo}
spec:
  ecs: {cluster: demo, region: us-east-1}
  linkerd:
    daemon: {enabled: false}
    namerd: {url: "http://127.0.0.1:1", driftPolicy: ${policy}}
`;
const world = (name: string) =>
  serviceYaml(
    name,
    "image: buoyantio/helloworld:0.1.6\nmemory: 64\nports: [{containerPort: 7778}]\ndiscovery: {consul: {}}",
  );
const CANARY = `apiVersion: ecsmesh.io/v1alpha1
kind: Route
metadata: {name: canary}
spec:
  rules: [{match: /svc/world, to: [{service: world, weight: 9}, {service: world-v2, weight: 1}]}]
`;

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox("demo");
});
afterEach(async () => {
  await sandbox.close();
});

/** A pass with namerd's URL taken from the sandbox (the Mesh's own URL is a placeholder). */
async function pass(set: ManifestSet, overrides: TargetOverrides = {}) {
  const report = await reconcileMesh(compileMesh(set), targetsFor(sandbox, overrides), {
    dryRun: false,
    flags: { allowMassPrune: false, adopt: false },
    log: silentLogger,
  });
  if (!report.dtab) throw new Error("no namerd target");
  if (!report.dtab.ok) throw new Error(report.dtab.error.message);
  return report.dtab.value;
}

const stored = () => {
  const entry = sandbox.namerd.dtabs.get("default");
  return entry ? showDtab(entry.dtab) : undefined;
};

describe("syncing Routes to namerd", () => {
  it("creates the namespace, then writes nothing while it matches, then updates with If-Match", async () => {
    const base = loadSet(mesh("overwrite"), world("world"), world("world-v2"));
    expect((await pass(base)).action.verb).toBe("create");
    expect(stored()).toBe("/svc => /#/io.l5d.consul/dc1");

    sandbox.namerd.calls.reset();
    expect((await pass(base)).action.verb).toBe("noop");
    expect(sandbox.namerd.calls.writes()).toBe(0);

    const canary = loadSet(mesh("overwrite"), world("world"), world("world-v2"), CANARY);
    expect((await pass(canary)).action.verb).toBe("update");
    expect(sandbox.namerd.calls.get("UpdateDtab").total).toBe(1);
    expect(stored()).toBe(
      "/svc => /#/io.l5d.consul/dc1; /svc/world => 9 * /#/io.l5d.consul/dc1/world & 1 * /#/io.l5d.consul/dc1/world-v2",
    );
  });

  it("re-reads and re-plans when someone writes between our read and our write (412)", async () => {
    const base = loadSet(mesh("overwrite"), world("world"), world("world-v2"));
    await pass(base);
    let interfered = false;
    /** A real client; after its first read, someone else writes the namespace. */
    class Raced extends HttpNamerdApi {
      override async get(namespace: string) {
        const result = await super.get(namespace);
        if (!interfered) {
          interfered = true;
          sandbox.namerd.dtabs.put(namespace, "/svc => /#/io.l5d.consul/dc2;");
        }
        return result;
      }
    }
    sandbox.namerd.calls.reset();
    const canary = loadSet(mesh("overwrite"), world("world"), world("world-v2"), CANARY);
    const result = await pass(canary, { namerd: new Raced(sandbox.namerd.url, FAST_POLICY) });
    expect(result.action.verb).toBe("update");
    expect(sandbox.namerd.calls.get("UpdateDtab").total).toBe(2);
    expect(sandbox.namerd.calls.get("GetDtab").total).toBe(2);
    expect(stored()).toContain("/svc/world => 9 * ");
  });

  it("reports a hand edit as drift and leaves it, or overwrites it, as driftPolicy says", async () => {
    const base = (policy: "overwrite" | "report") => loadSet(mesh(policy), world("world"), world("world-v2"));
    await pass(base("report"));
    sandbox.namerd.dtabs.put("default", "/svc => /#/io.l5d.consul/dc1; /svc/world => /svc/world-v2;");
    sandbox.namerd.calls.reset();
    const reported = await pass(base("report"));
    expect(reported.action).toMatchObject({ verb: "drift" });
    expect(sandbox.namerd.calls.writes()).toBe(0);
    expect(stored()).toContain("/svc/world => /svc/world-v2");

    const restored = await pass(base("overwrite"));
    expect(restored.action.reason).toMatch(/edited by hand.*overwrite restores it/);
    expect(stored()).toBe("/svc => /#/io.l5d.consul/dc1");
  });

  it("never sends an invalid dtab: the set is rejected before any call", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecsmesh-bad-dtab-"));
    const bad = CANARY.replace(
      "rules: [{match: /svc/world, to: [{service: world, weight: 9}, {service: world-v2, weight: 1}]}]",
      "dtab: '/svc/world => 9 * '",
    );
    await writeFile(
      path.join(dir, "mesh.yaml"),
      [
        mesh("overwrite").replace("http://127.0.0.1:1", sandbox.namerd.url),
        world("world"),
        world("world-v2"),
        bad,
      ].join("---\n"),
    );
    let stderr = "";
    const io = { out: () => {}, err: (t: string) => (stderr += t), color: false };
    expect(await main(["apply", dir], io, {})).toBe(1);
    expect(stderr).toMatch(/mesh\.yaml:\d+:\d+: error: invalid dtab: /);
    expect(sandbox.namerd.calls.total()).toBe(0);
  });
});
