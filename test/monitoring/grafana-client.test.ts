import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GrafanaApi, HttpGrafanaApi } from "../../src/controllers/monitoring/grafana-client.js";
import { newPushedDashboards, pushDashboards } from "../../src/controllers/monitoring/grafana-push.js";
import type { Dashboard } from "../../src/monitoring/dashboards/model.js";
import { renderDashboards } from "../../src/monitoring/dashboards/render.js";
import { grafanaFolderUid } from "../../src/monitoring/grafana-folder.js";
import { type GrafanaServer, startGrafanaServer } from "../../src/sandbox/grafana/server.js";
import { ScopedToken } from "../../src/util/endpoint-trust.js";
import { HttpStatusError } from "../../src/util/http-status-error.js";
import { loadSet, serviceYaml } from "../controllers/ecs/support.js";

const POLICY = { retries: 2, minBackoffMs: 5, maxBackoffMs: 20, timeoutMs: 2_000 };
const FOLDER = "l5d-demo";

const MESH =
  "apiVersion: ecsmesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: demo}\nspec:\n  ecs: {cluster: demo, region: us-east-1}\n";
const MONITORING =
  "apiVersion: ecsmesh.io/v1alpha1\nkind: Monitoring\nmetadata: {name: monitoring}\nspec: {}\n";

/** Every dashboard kind, for hello and world; world serves metrics unless told otherwise. */
function rendered(worldMetrics = true): Dashboard[] {
  const world = `image: w\nmemory: 64\nports: [{containerPort: 8080, name: http}]${worldMetrics ? "\nmetrics: {port: http}" : ""}`;
  return renderDashboards(
    loadSet(MESH, serviceYaml("hello", "image: h\nmemory: 64"), serviceYaml("world", world), MONITORING),
  );
}

const dashboards = rendered();
const uids = dashboards.map((d) => d.uid);

let grafana: GrafanaServer;
beforeEach(async () => {
  grafana = await startGrafanaServer();
});
afterEach(async () => {
  await grafana.close();
});

/** GRAFANA_TOKEN as the environment scopes it, with this Grafana as GRAFANA_URL. */
const api = (token: string | undefined) =>
  new HttpGrafanaApi({
    url: grafana.url,
    token:
      token === undefined
        ? undefined
        : new ScopedToken("GRAFANA_TOKEN", token, {
            endpointVariable: "GRAFANA_URL",
            endpoint: grafana.url,
            allowList: [],
          }),
    policy: POLICY,
  });

const push = (desired: readonly Dashboard[] = dashboards, client: GrafanaApi = api(grafana.token)) =>
  pushDashboards(client, { folder: FOLDER, dashboards: desired, message: "ecsmesh: rev abc123" });

/** Calls of one operation since the counts were last reset. */
const total = (operation: string) => grafana.calls.get(operation).total;

describe("pushDashboards against a local Grafana", () => {
  it("creates the folder and every dashboard on the first push", async () => {
    const result = await push();
    const folderUid = grafanaFolderUid(FOLDER);
    expect(result).toEqual({ folderUid, folderCreated: true, pushed: uids, unchanged: [] });
    expect(grafana.store.folder(folderUid)?.title).toBe(FOLDER);
    expect(grafana.calls.snapshot()).toMatchObject({
      GetFolder: { total: 1, errors: { "404": 1 } },
      CreateFolder: { total: 1, ok: 1 },
      GetDashboard: { total: uids.length, errors: { "404": uids.length } },
      SaveDashboard: { total: uids.length, ok: uids.length },
    });
    for (const dashboard of dashboards) {
      const stored = grafana.store.dashboard(dashboard.uid);
      expect(stored).toMatchObject({ version: 1, folderUid, message: "ecsmesh: rev abc123" });
      expect(stored?.dashboard).toMatchObject({ ...dashboard, version: 1 });
    }
  });

  it("writes nothing when Grafana already has every dashboard as rendered", async () => {
    await push();
    grafana.calls.reset();
    expect(await push()).toMatchObject({ folderCreated: false, pushed: [], unchanged: uids });
    expect(grafana.calls.writes()).toBe(0);
    expect(total("GetFolder")).toBe(1);
    expect(total("GetDashboard")).toBe(uids.length);
    expect(grafana.store.dashboards().map((d) => d.version)).toEqual(uids.map(() => 1));
  });

  it("pushes a dashboard the manifests changed once, and then nothing", async () => {
    await push();
    grafana.calls.reset();
    // world stops serving metrics: its dashboard loses the scrape-target panels.
    const changed = rendered(false);
    expect((await push(changed)).pushed).toEqual(["ecsmesh-service-world"]);
    expect(total("SaveDashboard")).toBe(1);
    expect(grafana.store.dashboard("ecsmesh-service-world")?.version).toBe(2);
    grafana.calls.reset();
    expect((await push(changed)).pushed).toEqual([]);
    expect(grafana.calls.writes()).toBe(0);
  });

  it("puts back a dashboard edited in Grafana or moved to another folder", async () => {
    await push();
    const live = grafana.store.dashboard("linkerd-viz");
    if (!live) throw new Error("linkerd-viz was not pushed");
    grafana.store.save({
      dashboard: { ...live.dashboard, title: "edited by hand" },
      folderUid: live.folderUid,
      overwrite: true,
      message: "hand edit",
    });
    grafana.store.createFolder("elsewhere", "Elsewhere");
    const moved = grafana.store.dashboard("ecsmesh-controller");
    if (!moved) throw new Error("ecsmesh-controller was not pushed");
    grafana.store.save({
      dashboard: moved.dashboard,
      folderUid: "elsewhere",
      overwrite: true,
      message: "moved",
    });
    grafana.calls.reset();

    expect((await push()).pushed).toEqual(["linkerd-viz", "ecsmesh-controller"]);
    expect(total("SaveDashboard")).toBe(2);
    expect(grafana.store.dashboard("linkerd-viz")).toMatchObject({
      version: 3,
      dashboard: { title: "linkerd-viz" },
    });
    expect(grafana.store.dashboard("ecsmesh-controller")?.folderUid).toBe(grafanaFolderUid(FOLDER));
  });

  it("remembers what it pushed: a steady pass reads back 10 dashboards, and a hand edit is still put back", async () => {
    const metrics = "\nports: [{containerPort: 8080, name: http}]\nmetrics: {port: http}";
    const many = (firstServesMetrics: boolean) =>
      renderDashboards(
        loadSet(
          MESH,
          ...Array.from({ length: 30 }, (_, i) =>
            serviceYaml(`svc-${i}`, `image: a\nmemory: 64${i === 0 && firstServesMetrics ? metrics : ""}`),
          ),
          MONITORING,
        ),
      );
    const desired = many(false);
    const pushedBefore = newPushedDashboards();
    const pass = (next = desired) =>
      pushDashboards(api(grafana.token), { folder: FOLDER, dashboards: next, message: "m" }, pushedBefore);
    expect((await pass()).pushed).toHaveLength(33);
    grafana.calls.reset();
    expect((await pass()).unchanged).toHaveLength(33);
    expect(total("GetFolder")).toBe(1);
    expect(total("GetDashboard")).toBe(10);
    expect(grafana.calls.writes()).toBe(0);

    const edited = grafana.store.dashboard("linkerd-viz");
    if (!edited) throw new Error("linkerd-viz was not pushed");
    grafana.store.save({
      dashboard: { ...edited.dashboard, title: "edited by hand" },
      folderUid: edited.folderUid,
      overwrite: true,
      message: "hand edit",
    });
    let passes = 0;
    while (grafana.store.dashboard("linkerd-viz")?.dashboard.title !== "linkerd-viz" && passes < 10) {
      await pass();
      passes += 1;
    }
    expect(passes).toBeLessThanOrEqual(Math.ceil(33 / 10));

    // A dashboard the manifests changed is read and written in the next pass, whatever the rotation.
    grafana.calls.reset();
    expect((await pass(many(true))).pushed).toEqual(["ecsmesh-service-svc-0"]);
    expect(total("SaveDashboard")).toBe(1);
  });

  it("refuses a bad or missing token with an error that names GRAFANA_TOKEN, without retrying", async () => {
    const refused = push(dashboards, api("wrong"));
    await expect(refused).rejects.toBeInstanceOf(HttpStatusError);
    await expect(refused).rejects.toThrow(
      "grafana GetFolder /api/folders/ecsmesh-l5d-demo: 401 Invalid API key (set GRAFANA_TOKEN to a valid Grafana service account token)",
    );
    await expect(push(dashboards, api(undefined))).rejects.toThrow(/401 Unauthorized .*GRAFANA_TOKEN/);
    expect(total("GetFolder")).toBe(2);
    expect(grafana.calls.writes()).toBe(0);
  });

  it("retries server errors through the call policy, then gives up with the status", async () => {
    grafana.faults.configure({ serverErrorRate: 1 });
    await expect(push()).rejects.toThrow(/GetFolder .*: 500 Internal Server Error \(injected fault\)/);
    expect(total("GetFolder")).toBe(1 + POLICY.retries);
  });

  it("takes a folder another replica created meanwhile (409) as there", async () => {
    const racing: GrafanaApi = {
      getFolder: async () => undefined,
      createFolder: async () => false,
      getDashboard: async () => undefined,
      saveDashboard: async () => 1,
    };
    expect(await push(dashboards.slice(0, 1), racing)).toMatchObject({
      folderCreated: false,
      pushed: ["linkerd-viz"],
    });
  });
});
