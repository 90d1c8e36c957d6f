import { beforeAll, describe, expect, it } from "vitest";
import { consulForFile, filter, registration } from "./support.js";

const consul = consulForFile();
beforeAll(async () => {
  const owned = { Meta: { ecsmesh_owner: "l5d-demo" } };
  await consul.put(
    "/v1/catalog/register",
    registration("node-1", "world", { ID: "world-1", Tags: ["v1"], ...owned }),
  );
  await consul.put("/v1/catalog/register", {
    ...registration("node-2", "world", { ID: "world-2", Tags: ["v2"], ...owned }),
    Checks: [{ CheckID: "disk", Name: "disk", Status: "warning" }],
  });
  await consul.put("/v1/catalog/register", registration("node-3", "world", { ID: "world-3", Tags: ["v1"] }));
});

interface Entry {
  Node: { Node: string };
  Service: { ID: string; Meta: Record<string, string> | null };
  Checks: { CheckID: string; Status: string; ServiceID: string }[];
}

const ids = (entries: Entry[]) => entries.map((entry) => entry.Service.ID);

describe("GET /v1/health/service/:service", () => {
  it("answers each instance with its node, its service and its node and service checks", async () => {
    const answer = await consul.get("/v1/health/service/world");
    expect(answer.status).toBe(200);
    const entries = answer.json<Entry[]>();
    expect(ids(entries)).toEqual(["world-1", "world-2", "world-3"]);
    expect(entries[1]?.Node.Node).toBe("node-2");
    expect(entries[1]?.Checks.map((c) => [c.CheckID, c.Status, c.ServiceID])).toEqual([
      ["disk", "warning", ""],
      ["service:world-2", "passing", "world-2"],
    ]);
    expect(answer.headers.get("x-consul-knownleader")).toBe("true");
    expect(answer.headers.get("x-consul-lastcontact")).toBe("0");
  });

  it("keeps only instances whose checks all pass with ?passing", async () => {
    expect(ids((await consul.get("/v1/health/service/world?passing")).json<Entry[]>())).toEqual([
      "world-1",
      "world-3",
    ]);
    expect(ids((await consul.get("/v1/health/service/world?passing=false")).json<Entry[]>())).toHaveLength(3);
    expect((await consul.get("/v1/health/service/world?passing=maybe")).status).toBe(400);
  });

  it("filters on the service, its node and its checks", async () => {
    const owned = await consul.get(
      `/v1/health/service/world?${filter('Service.Meta.ecsmesh_owner == "l5d-demo"')}`,
    );
    expect(ids(owned.json<Entry[]>())).toEqual(["world-1", "world-2"]);
    const unowned = await consul.get(
      `/v1/health/service/world?${filter('"ecsmesh_owner" not in Service.Meta')}`,
    );
    expect(ids(unowned.json<Entry[]>())).toEqual(["world-3"]);
    const warning = await consul.get(`/v1/health/service/world?${filter('Checks.Status == "warning"')}`);
    expect(ids(warning.json<Entry[]>())).toEqual(["world-2"]);
    const tagged = await consul.get(`/v1/health/service/world?tag=v1&${filter('Node.Node != "node-1"')}`);
    expect(ids(tagged.json<Entry[]>())).toEqual(["world-3"]);
    const byName = await consul.get(
      `/v1/health/service/world?${filter('Service.Service == "world" and Service.Port == 8080')}`,
    );
    expect(ids(byName.json<Entry[]>())).toHaveLength(3);
  });

  it("answers an unknown service with an empty list", async () => {
    const answer = await consul.get("/v1/health/service/nothing");
    expect([answer.status, answer.json()]).toEqual([200, []]);
    expect(answer.index).toBeGreaterThan(0);
  });
});

describe("GET /v1/health/node/:node", () => {
  it("answers the node's checks, node and service level, filtered, and [] for an unknown node", async () => {
    const answer = await consul.get("/v1/health/node/node-2");
    expect(answer.json<{ CheckID: string }[]>().map((c) => c.CheckID)).toEqual(["disk", "service:world-2"]);
    expect(answer.index).toBeGreaterThan(0);
    const nodeLevel = await consul.get(`/v1/health/node/node-2?${filter('ServiceName == ""')}`);
    expect(nodeLevel.json<{ CheckID: string }[]>().map((c) => c.CheckID)).toEqual(["disk"]);
    expect((await consul.get("/v1/health/node/nowhere")).json()).toEqual([]);
  });
});
