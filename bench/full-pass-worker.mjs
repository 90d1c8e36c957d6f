// Child process: the controller's pass (load -> compile -> Cloud Map, ECS, Consul, namerd ->
// monitoring) on the compiled code, as shipped, in a fresh process whose clients and caches live
// across the passes its parent asks for, as the controller's do. Endpoints come from the
// environment (AWS_ENDPOINT_URL_*, CONSUL_HTTP_ADDR, ECSMESH_NAMERD_URL, GRAFANA_URL).
import { grafanaApi } from "../dist/cli/run.js";
import { compileMesh } from "../dist/compile/mesh.js";
import { loadManifestDir } from "../dist/compile/load.js";
import { HttpConsulApi } from "../dist/controllers/consul/consul-client.js";
import { SdkEcsApi } from "../dist/controllers/ecs/ecs-client.js";
import { reconcileMesh } from "../dist/controllers/mesh.js";
import { newPushedDashboards } from "../dist/controllers/monitoring/grafana-push.js";
import { reconcileMonitoring } from "../dist/controllers/monitoring/reconcile.js";
import { meshTargets } from "../dist/controllers/targets.js";
import { FileInventoryStore } from "../dist/inventory/store.js";
import { ScopedToken } from "../dist/util/endpoint-trust.js";
import { silentLogger } from "../dist/util/logger.js";
import { readFileSync, writeFileSync } from "node:fs";

/** { manifests, inventory, workdir, buckets? } */
const args = JSON.parse(process.argv[2] ?? "{}");
const env = process.env;
let targets;
const pushedDashboards = newPushedDashboards();

/** Peak RSS since the last reset, from the kernel: each pass's own peak, not the process's first pass. */
function peakRssMb() {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}
function resetPeakRss() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux: the peak is the process's.
  }
}

async function pass() {
  resetPeakRss();
  const startedAt = Date.now();
  const started = performance.now();
  const loaded = await loadManifestDir(args.manifests);
  if (!loaded.ok) throw new Error("bench manifests are invalid");
  const desired = compileMesh(loaded.set, { controllerUrl: "http://127.0.0.1:8080" });
  if (!targets) {
    const region = loaded.set.mesh.manifest.spec.ecs.region;
    const consul = new HttpConsulApi({ address: env.CONSUL_HTTP_ADDR, token: undefined });
    targets = meshTargets(loaded.set, {
      store: new FileInventoryStore(args.inventory),
      consul,
      consulToken: undefined,
      namerdUrl: env.ECSMESH_NAMERD_URL,
    });
    if (args.buckets) {
      // The time-scaled converge: the client paces at the sped-up buckets the server enforces.
      const ecs = new SdkEcsApi({ region, buckets: args.buckets });
      targets = { ...targets, ecs: { ...targets.ecs, api: ecs }, tasks: ecs };
    }
  }
  const report = await reconcileMesh(desired, targets, {
    dryRun: false,
    flags: { allowMassPrune: false, adopt: false },
    log: silentLogger,
  });
  const tasks = report.tasks?.ok ? report.tasks.value : [];
  const grafanaToken = new ScopedToken("GRAFANA_TOKEN", env.GRAFANA_TOKEN, {
    endpointVariable: "GRAFANA_URL",
    endpoint: env.GRAFANA_URL,
    allowList: [],
  });
  await reconcileMonitoring(
    desired,
    tasks,
    args.workdir,
    grafanaApi(loaded.set, { grafanaUrl: env.GRAFANA_URL, grafanaToken }),
    "ecsmesh bench",
    pushedDashboards,
  );
  const wallMs = performance.now() - started;
  const failed = ["cloudMap", "ecs", "tasks", "consul", "dtab"].filter((t) => report[t] && !report[t].ok);
  const outcomes = {};
  for (const r of report.ecs.ok ? report.ecs.value.planned.plan.resources : []) {
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  }
  return {
    wallMs,
    startedAt,
    maxRssMb: peakRssMb(),
    runningTasks: tasks.length,
    ecsOutcomes: outcomes,
    consulChanges: report.consul?.ok ? report.consul.value.plan.changes.map((c) => c.verb) : [],
    failed: failed.map((t) => `${t}: ${report[t].error.message}`),
  };
}

process.on("message", async (command) => {
  if (command.type === "pass") process.send?.({ type: "passed", ...(await pass()) });
  else process.exit(0);
});
// The bench stopped, whatever the reason: so does this process.
process.once("disconnect", () => process.exit(0));
process.send?.({ type: "ready" });
