import { createServer } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { classifyFailure, errorCode } from "../../../src/aws/errors.js";
import { HttpConsulApi } from "../../../src/controllers/consul/consul-client.js";
import { startConsulServer } from "../../../src/sandbox/consul/server.js";
import { ScopedToken } from "../../../src/util/endpoint-trust.js";

const TOKEN = "s3cret-token";

/** CONSUL_HTTP_TOKEN as the environment scopes it, with `address` as CONSUL_HTTP_ADDR. */
const tokenFor = (address: string) =>
  new ScopedToken("CONSUL_HTTP_TOKEN", TOKEN, {
    endpointVariable: "CONSUL_HTTP_ADDR",
    endpoint: address,
    allowList: [],
  });
const SHORT_POLICY = { retries: 2, minBackoffMs: 1, maxBackoffMs: 5, timeoutMs: 2_000 };

/** A loopback port nothing listens on: taken from the kernel, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}

/** A logger whose records the test reads. */
function recordingLogger() {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      records.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: "debug" }, sink), records };
}

describe("Consul client failures", () => {
  it("name the endpoint, the request and the attempts, and each retry is logged, never the token", async () => {
    const address = `http://127.0.0.1:${await closedPort()}`;
    const { log, records } = recordingLogger();
    const consul = new HttpConsulApi({ address, token: tokenFor(address), policy: SHORT_POLICY, log });
    const failure = await consul.txn([]).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toBe(
      `Consul ${address} PUT /v1/txn: connection refused (ECONNREFUSED) after 3 attempts`,
    );
    // Still a network failure to whoever decides what to do about it.
    expect([classifyFailure(failure), errorCode(failure)]).toEqual(["network", "ECONNREFUSED"]);
    expect(
      records.map((r) => [r.level, r.msg, r.consul, r.operation, r.attempt, r.maxAttempts, r.err]),
    ).toEqual(
      [1, 2].map((attempt) => [
        40,
        "Consul call failed; retrying",
        address,
        "Txn",
        attempt,
        3,
        "connection refused (ECONNREFUSED)",
      ]),
    );
    expect(JSON.stringify(records)).not.toContain(TOKEN);
  });

  it("that Consul answered name the endpoint and the request too, and are not retried", async () => {
    const server = await startConsulServer({ aclToken: "the-right-one" });
    try {
      const { log, records } = recordingLogger();
      const consul = new HttpConsulApi({
        address: server.url,
        token: tokenFor(server.url),
        policy: SHORT_POLICY,
        log,
      });
      await expect(consul.kvList("ecsmesh/")).rejects.toThrow(
        `Consul ${server.url} GET /v1/kv/ecsmesh/?recurse=true: 403 ACL not found after 1 attempt`,
      );
      expect(records).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe("Consul client reads", () => {
  it("read check durations Consul prints Go's way, fractions included, in the form the plan writes", async () => {
    const server = await startConsulServer();
    try {
      const consul = new HttpConsulApi({ address: server.url, token: undefined, policy: SHORT_POLICY });
      await consul.txn([
        { Node: { Verb: "set", Node: { Node: "n", Address: "127.0.0.1" } } },
        { Service: { Verb: "set", Node: "n", Service: { ID: "s", Service: "s", Port: 1 } } },
        {
          Check: {
            Verb: "set",
            Check: {
              Node: "n",
              CheckID: "c",
              Name: "c",
              ServiceID: "s",
              // Consul answers these as "1m30s", "1.5s" and "1h1m0s".
              Definition: {
                HTTP: "http://x/",
                Interval: "90s",
                Timeout: "1500ms",
                DeregisterCriticalServiceAfter: "61m",
              },
            },
          },
        },
      ]);
      expect(await consul.nodeChecks("n")).toEqual(
        new Map([
          [
            "c",
            {
              serviceId: "s",
              definition: {
                HTTP: "http://x/",
                Interval: "1m30s",
                Timeout: "1s500ms",
                DeregisterCriticalServiceAfter: "1h1m",
              },
            },
          ],
        ]),
      );
    } finally {
      await server.close();
    }
  });
});
