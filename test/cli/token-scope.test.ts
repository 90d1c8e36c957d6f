import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { cliEnv, controllerEnv, parseEnvironment, type RawEnvironment } from "../../src/cli/environment.js";
import { meshStore } from "../../src/cli/mesh-store.js";
import { grafanaApi } from "../../src/cli/run.js";
import { compileMesh } from "../../src/compile/mesh.js";
import { HttpConsulApi } from "../../src/controllers/consul/consul-client.js";
import { reconcileMesh } from "../../src/controllers/mesh.js";
import { HttpNamerdApi } from "../../src/controllers/namerd/namerd-client.js";
import { meshTargets } from "../../src/controllers/targets.js";
import { FileInventoryStore } from "../../src/inventory/store.js";
import { resourceStatuses } from "../../src/runtime/resource-status.js";
import { silentLogger } from "../../src/util/logger.js";
import { loadSet } from "../controllers/ecs/support.js";
import { startSandbox, targetsFor } from "../controllers/mesh-support.js";

const CONSUL_TOKEN = "consul-s3cret";
const GRAFANA_TOKEN = "grafana-s3cret";
const NO_RETRIES = { retries: 0, minBackoffMs: 1, maxBackoffMs: 1, timeoutMs: 10_000 };

/** A local HTTP server that records every request's headers and answers with `answer`. */
interface Recorder {
  readonly url: string;
  readonly requests: { method: string; path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

const open: Recorder[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

async function recorder(
  answer: (request: IncomingMessage, response: ServerResponse) => void = (_, response) =>
    response.writeHead(200, { "Content-Type": "application/json" }).end("[]"),
): Promise<Recorder> {
  const requests: Recorder["requests"] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? "", path: request.url ?? "", headers: request.headers });
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  const started: Recorder = {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  open.push(started);
  return started;
}

const mesh = (spec: string) =>
  loadSet(`apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: {name: demo}
spec:
  ecs: {cluster: demo, region: us-east-1}
${spec}`);

/** The Consul client the CLI and the controller use for the mesh's inventory and lock. */
function meshConsul(raw: RawEnvironment, consulAddress: string) {
  const env = cliEnv(parseEnvironment(raw));
  return meshStore(mesh(`  consul: {address: "${consulAddress}"}`), {
    ...env,
    inventoryFile: undefined,
    identity: "test",
    policy: NO_RETRIES,
    log: silentLogger,
  }).consul;
}

/** How a call ended: its error's message, or "answered". */
const outcome = (call: Promise<unknown> | undefined) =>
  Promise.resolve(call).then(
    () => "answered",
    (error: unknown) => (error as Error).message,
  );

const tokensSeen = (server: Recorder, header: string) =>
  server.requests.map((r) => r.headers[header]).filter((value) => value !== undefined);

describe("the Consul token goes only where the environment says", () => {
  it("is not sent to the Mesh's consul.address when CONSUL_HTTP_ADDR is unset", async () => {
    const committerNamed = await recorder();
    const consul = meshConsul({ CONSUL_HTTP_TOKEN: CONSUL_TOKEN }, committerNamed.url);
    const ended = await outcome(consul.kvList("ecsmesh/"));
    expect(tokensSeen(committerNamed, "x-consul-token")).toEqual([]);
    expect(ended).toContain(
      `refusing to send CONSUL_HTTP_TOKEN to ${committerNamed.url}: it is neither CONSUL_HTTP_ADDR nor listed in ECSMESH_TRUSTED_ENDPOINTS`,
    );
  });

  it("is not sent to the Mesh's consul.address when CONSUL_HTTP_ADDR names another Consul", async () => {
    const committerNamed = await recorder();
    const configured = await recorder();
    const env = cliEnv(
      parseEnvironment({ CONSUL_HTTP_TOKEN: CONSUL_TOKEN, CONSUL_HTTP_ADDR: configured.url }),
    );
    const set = mesh(`  consul: {address: "${committerNamed.url}"}`);
    // A target set built without the mesh store's client builds its own from the Mesh.
    const targets = meshTargets(set, {
      store: new FileInventoryStore("/nonexistent/inventory.json"),
      consul: undefined,
      consulToken: env.consulToken,
      policy: NO_RETRIES,
    });
    const ended = await outcome(targets.consul?.serviceInstances("web"));
    expect(tokensSeen(committerNamed, "x-consul-token")).toEqual([]);
    expect(ended).toMatch(/^refusing to send CONSUL_HTTP_TOKEN/);
  });

  it("is sent to CONSUL_HTTP_ADDR, and to an origin ECSMESH_TRUSTED_ENDPOINTS lists", async () => {
    const configured = await recorder();
    await meshConsul(
      { CONSUL_HTTP_TOKEN: CONSUL_TOKEN, CONSUL_HTTP_ADDR: configured.url },
      "http://127.0.0.1:1",
    ).kvList("ecsmesh/");
    const listed = await recorder();
    await meshConsul(
      {
        CONSUL_HTTP_TOKEN: CONSUL_TOKEN,
        ECSMESH_TRUSTED_ENDPOINTS: `https://consul.internal:8501, ${listed.url}`,
      },
      listed.url,
    ).kvList("ecsmesh/");
    expect([tokensSeen(configured, "x-consul-token"), tokensSeen(listed, "x-consul-token")]).toEqual([
      [CONSUL_TOKEN],
      [CONSUL_TOKEN],
    ]);
  });

  it("does not follow a redirect from the configured Consul, so the token stays there", async () => {
    const elsewhere = await recorder();
    const configured = await recorder((_, response) =>
      response.writeHead(307, { Location: `${elsewhere.url}/v1/kv/ecsmesh/?recurse=true&secret=1` }).end(),
    );
    const consul = meshConsul(
      { CONSUL_HTTP_TOKEN: CONSUL_TOKEN, CONSUL_HTTP_ADDR: configured.url },
      configured.url,
    );
    const failure = await consul.kvList("ecsmesh/").then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(tokensSeen(elsewhere, "x-consul-token")).toEqual([]);
    expect(failure?.message).toBe(
      `Consul ${configured.url} GET /v1/kv/ecsmesh/?recurse=true: ${configured.url} answered 307, a redirect to ` +
        `${elsewhere.url}; redirects are not followed (configure the address it points to) after 1 attempt`,
    );
    expect(elsewhere.requests).toEqual([]);
  });
});

describe("the Grafana token goes only where the environment says", () => {
  const monitoring = (grafanaUrl: string) =>
    loadSet(
      "apiVersion: ecsmesh.io/v1alpha1\nkind: Mesh\nmetadata: {name: demo}\nspec:\n  ecs: {cluster: demo, region: us-east-1}\n",
      `apiVersion: ecsmesh.io/v1alpha1\nkind: Monitoring\nmetadata: {name: monitoring}\nspec:\n  delivery: {grafanaUrl: "${grafanaUrl}"}\n`,
    );
  const grafanaFor = (raw: RawEnvironment, grafanaUrl: string) =>
    grafanaApi(monitoring(grafanaUrl), controllerEnv(parseEnvironment(raw)), NO_RETRIES);
  const notFound = (_: IncomingMessage, response: ServerResponse) => response.writeHead(404).end();

  it("is not sent to Monitoring's grafanaUrl unless it is GRAFANA_URL or allow-listed", async () => {
    const committerNamed = await recorder(notFound);
    const ended = await outcome(grafanaFor({ GRAFANA_TOKEN }, committerNamed.url)?.getFolder("ecsmesh"));
    expect(tokensSeen(committerNamed, "authorization")).toEqual([]);
    expect(ended).toContain(
      `refusing to send GRAFANA_TOKEN to ${committerNamed.url}: it is neither GRAFANA_URL`,
    );
  });

  it("goes to GRAFANA_URL instead of the manifest's URL, and to an allow-listed grafanaUrl", async () => {
    const committerNamed = await recorder(notFound);
    const configured = await recorder(notFound);
    await grafanaFor({ GRAFANA_TOKEN, GRAFANA_URL: configured.url }, committerNamed.url)?.getFolder(
      "ecsmesh",
    );
    const listed = await recorder(notFound);
    await grafanaFor({ GRAFANA_TOKEN, ECSMESH_TRUSTED_ENDPOINTS: listed.url }, listed.url)?.getFolder(
      "ecsmesh",
    );
    expect(committerNamed.requests).toEqual([]);
    expect([tokensSeen(configured, "authorization"), tokensSeen(listed, "authorization")]).toEqual([
      [`Bearer ${GRAFANA_TOKEN}`],
      [`Bearer ${GRAFANA_TOKEN}`],
    ]);
  });
});

describe("answers are read with a size cap", () => {
  it("cuts off a 20 MiB Consul answer with a clear error instead of buffering it", async () => {
    const entry = `{"Key":"ecsmesh/k","Value":"${"A".repeat(1_000)}"},`;
    let bytesWritten = 0;
    const huge = await recorder((_, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.write("[");
      // Streamed (no Content-Length), written only as fast as the client reads it.
      const writeMore = () => {
        while (bytesWritten < 20 * 1024 * 1024) {
          bytesWritten += entry.length;
          if (!response.write(entry)) return void response.once("drain", writeMore);
        }
        response.end(`${entry.slice(0, -1)}]`);
      };
      writeMore();
    });
    const consul = new HttpConsulApi({ address: huge.url, token: undefined, policy: NO_RETRIES });
    await expect(consul.kvList("ecsmesh/")).rejects.toThrow(
      `Consul ${huge.url} GET /v1/kv/ecsmesh/?recurse=true: answer larger than 8 MiB; stopped reading it`,
    );
    expect(bytesWritten).toBeLessThan(20 * 1024 * 1024);
  });

  it("shows a huge namerd error page in /status as a short plain excerpt", async () => {
    const page = `<html><body><h1>502 Bad Gateway</h1>\u001b[31m${"x".repeat(4 * 1024 * 1024)}</body></html>`;
    const namerd = await recorder((_, response) =>
      response.writeHead(502, { "Content-Type": "text/html" }).end(page),
    );
    const sandbox = await startSandbox("demo");
    try {
      const set = mesh(`  linkerd:\n    daemon: {enabled: false}\n    namerd: {url: "${namerd.url}"}`);
      const report = await reconcileMesh(
        compileMesh(set),
        targetsFor(sandbox, { namerd: new HttpNamerdApi(namerd.url, NO_RETRIES) }),
        { dryRun: true, flags: { allowMassPrune: false, adopt: false }, log: silentLogger },
      );
      const dtab = resourceStatuses(report, new Date().toISOString()).find((r) => r.kind === "Dtab");
      expect(dtab?.message).toMatch(/^HttpStatusError: namerd GetDtab default: 502 502 Bad Gateway x+…$/);
      expect(dtab?.message.length).toBeLessThan(400);
    } finally {
      await sandbox.close();
    }
  });
});

describe("a namerd URL from the Mesh", () => {
  it("is called while no allow-list is kept, but not once ECSMESH_TRUSTED_ENDPOINTS leaves it out", async () => {
    const committerNamed = await recorder((_, response) => response.writeHead(404).end());
    const set = mesh(`  linkerd:\n    namerd: {url: "${committerNamed.url}"}`);
    const namerdFor = (raw: RawEnvironment) =>
      meshTargets(set, {
        store: new FileInventoryStore("/nonexistent/inventory.json"),
        consul: undefined,
        consulToken: undefined,
        trustedEndpoints: parseEnvironment(raw).ECSMESH_TRUSTED_ENDPOINTS,
        policy: NO_RETRIES,
      }).namerd;
    expect(await namerdFor({})?.get("default")).toBeUndefined();
    await expect(
      namerdFor({ ECSMESH_TRUSTED_ENDPOINTS: "https://namerd.internal" })?.get("default"),
    ).rejects.toThrow(
      `the Mesh's linkerd.namerd.url ${committerNamed.url} is not listed in ECSMESH_TRUSTED_ENDPOINTS; refusing to call it`,
    );
    expect(committerNamed.requests).toHaveLength(1);
  });
});
