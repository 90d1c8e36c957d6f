import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GrafanaServer, startGrafanaServer } from "../../../src/sandbox/grafana/server.js";

let server: GrafanaServer;
beforeEach(async () => {
  server = await startGrafanaServer({ token: "good" });
});
afterEach(async () => {
  await server.close();
});

async function call(method: "GET" | "POST", path: string, body?: unknown, token = "good") {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  expect(response.headers.get("content-type")).toBe("application/json");
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const save = (dashboard: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  call("POST", "/api/dashboards/db", { dashboard, ...extra });

describe("authentication", () => {
  it("answers 401 without a bearer token or with a wrong one, before routing, and counts it", async () => {
    const none = await fetch(`${server.url}/api/folders/x`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: "Unauthorized" });
    expect(await call("GET", "/api/folders/x", undefined, "bad")).toEqual({
      status: 401,
      body: { message: "Invalid API key" },
    });
    expect((await call("GET", "/api/elsewhere", undefined, "bad")).status).toBe(401);
    expect(server.calls.get("GetFolder").errors).toEqual({ "401": 2 });
    expect(server.store.folder("x")).toBeUndefined();
  });
});

describe("folders", () => {
  it("creates a folder with the uid given, reads it, and refuses the uid a second time", async () => {
    const created = await call("POST", "/api/folders", { uid: "team", title: "Team" });
    expect(created).toMatchObject({
      status: 200,
      body: { uid: "team", title: "Team", url: "/dashboards/f/team/team", version: 1 },
    });
    expect(await call("GET", "/api/folders/team")).toEqual(created);
    expect(await call("POST", "/api/folders", { uid: "team", title: "Other" })).toEqual({
      status: 409,
      body: { message: "a folder with the same uid already exists" },
    });
  });

  it("answers 404 for an unknown folder and 400 for a folder without a title or with a bad uid", async () => {
    expect(await call("GET", "/api/folders/nope")).toEqual({
      status: 404,
      body: { message: "Folder not found" },
    });
    expect((await call("POST", "/api/folders", { uid: "t" })).body).toEqual({
      message: "folder title cannot be empty",
    });
    expect((await call("POST", "/api/folders", { uid: "a b", title: "T" })).body).toEqual({
      message: "uid contains illegal characters",
    });
    expect((await call("POST", "/api/folders", { uid: "x".repeat(41), title: "T" })).body).toEqual({
      message: "uid too long, max 40 characters",
    });
    expect((await call("POST", "/api/folders", "{not json")).status).toBe(400);
  });

  it("makes up a uid when none is given", async () => {
    const { body } = await call("POST", "/api/folders", { title: "Anonymous" });
    expect(body.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect((await call("GET", `/api/folders/${String(body.uid)}`)).status).toBe(200);
  });
});

describe("dashboards", () => {
  beforeEach(async () => {
    await call("POST", "/api/folders", { uid: "f", title: "F" });
  });

  it("answers 404 for an unknown dashboard", async () => {
    expect(await call("GET", "/api/dashboards/uid/nope")).toEqual({
      status: 404,
      body: { message: "Dashboard not found" },
    });
  });

  it("creates at version 1 and reads back {dashboard, meta} with id, uid and version set", async () => {
    const created = await save(
      { uid: "d1", title: "Hello World", panels: [] },
      { folderUid: "f", message: "first" },
    );
    expect(created).toMatchObject({
      status: 200,
      body: { uid: "d1", version: 1, status: "success", slug: "hello-world", url: "/d/d1/hello-world" },
    });
    const read = await call("GET", "/api/dashboards/uid/d1");
    expect(read.status).toBe(200);
    expect(read.body.dashboard).toEqual({
      id: created.body.id,
      uid: "d1",
      version: 1,
      title: "Hello World",
      panels: [],
    });
    expect(read.body.meta).toMatchObject({
      folderUid: "f",
      folderTitle: "F",
      slug: "hello-world",
      version: 1,
    });
    expect(server.store.dashboard("d1")?.message).toBe("first");
  });

  it("updates with the current version, refuses a stale one with 412 version-mismatch, and overwrites on request", async () => {
    const { body } = await save({ uid: "d1", title: "One" });
    expect((await save({ uid: "d1", title: "Two", version: 1 })).body).toMatchObject({
      version: 2,
      id: body.id,
    });
    expect(await save({ uid: "d1", title: "Stale", version: 1 })).toEqual({
      status: 412,
      body: { message: "The dashboard has been changed by someone else", status: "version-mismatch" },
    });
    expect(await save({ uid: "d1", title: "No version" })).toMatchObject({ status: 412 });
    expect(server.store.dashboard("d1")?.dashboard.title).toBe("Two");
    const forced = await save({ uid: "d1", title: "Forced", version: 1 }, { overwrite: true });
    expect(forced.body).toMatchObject({ version: 3, id: body.id });
    expect(server.store.dashboard("d1")?.dashboard).toMatchObject({ title: "Forced", version: 3 });
  });

  it("refuses a dashboard without a title, with a bad uid, or in a folder that does not exist", async () => {
    expect(await save({ uid: "d1" })).toEqual({
      status: 400,
      body: { message: "Dashboard title cannot be empty" },
    });
    expect((await save({ uid: "d/1", title: "T" })).body).toEqual({
      message: "uid contains illegal characters",
    });
    expect(await save({ uid: "d1", title: "T" }, { folderUid: "nope" })).toEqual({
      status: 400,
      body: { message: "Folder not found" },
    });
    expect((await call("POST", "/api/dashboards/db", { notADashboard: 1 })).status).toBe(400);
    expect(server.store.dashboards()).toEqual([]);
  });

  it("makes up a uid for a dashboard without one, and moves a dashboard between folders", async () => {
    const { body } = await save({ title: "Anonymous" });
    expect(server.store.dashboard(String(body.uid))?.folderUid).toBe("");
    await save({ uid: "d1", title: "T" }, { folderUid: "f" });
    await save({ uid: "d1", title: "T" }, { overwrite: true });
    expect((await call("GET", "/api/dashboards/uid/d1")).body.meta).toMatchObject({
      folderUid: "",
      folderTitle: "General",
    });
  });
});

describe("call counts and faults", () => {
  it("counts each operation and outcome; only creating and saving are writes", async () => {
    await call("GET", "/api/folders/f");
    await call("POST", "/api/folders", { uid: "f", title: "F" });
    await call("GET", "/api/folders/f");
    await save({ uid: "d", title: "D" }, { folderUid: "f" });
    await call("GET", "/api/dashboards/uid/d");
    await call("GET", "/api/search");
    expect(server.calls.snapshot()).toEqual({
      "(unrouted)": { total: 1, ok: 0, throttled: 0, connectionResets: 0, errors: { "404": 1 } },
      CreateFolder: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
      GetDashboard: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
      GetFolder: { total: 2, ok: 1, throttled: 0, connectionResets: 0, errors: { "404": 1 } },
      SaveDashboard: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
    });
    expect(server.calls.writes()).toBe(2);
  });

  it("answers 500 at the server error rate without touching the store", async () => {
    server.faults.configure({ serverErrorRate: 1 });
    expect(await call("POST", "/api/folders", { uid: "f", title: "F" })).toEqual({
      status: 500,
      body: { message: "Internal Server Error (injected fault)" },
    });
    expect(server.store.folder("f")).toBeUndefined();
    expect(server.calls.get("CreateFolder").errors).toEqual({ "500": 1 });
  });
});
