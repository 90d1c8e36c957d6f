// Child process: one controller pass (observe -> plan -> apply) in a fresh process running the
// compiled controller, as shipped, reporting its wall time and peak RSS.
import { applyEcsPlan } from "../dist/controllers/ecs/apply.js";
import { SdkEcsApi } from "../dist/controllers/ecs/ecs-client.js";
import { compileMesh } from "../dist/compile/mesh.js";
import { planEcsForMesh } from "../dist/controllers/ecs/reconcile.js";
import { FileInventoryStore } from "../dist/inventory/store.js";
import { silentLogger } from "../dist/util/logger.js";
import { loadManifestDir } from "../dist/compile/load.js";

const args = JSON.parse(process.argv[2] ?? "{}");
const loaded = await loadManifestDir(args.manifests);
if (!loaded.ok) throw new Error("bench manifests are invalid");
const api = new SdkEcsApi({
  region: "us-east-1",
  endpoint: args.endpoint,
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  ...(args.buckets ? { buckets: args.buckets } : {}),
});
const deps = { api, store: new FileInventoryStore(args.inventory), cache: new Map() };
const started = performance.now();
const planned = await planEcsForMesh(compileMesh(loaded.set), deps, { allowMassPrune: false, adopt: false });
const result = await applyEcsPlan(api, planned.plan, planned.inventory, deps.store, silentLogger);
const wallMs = performance.now() - started;
const outcomes = {};
for (const r of planned.plan.resources) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
process.send?.({
  wallMs,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  outcomes,
  failed: result.resources.filter((r) => r.error).length,
});
