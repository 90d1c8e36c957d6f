import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFilter } from "../../../src/sandbox/consul/filter.js";
import { parseFilter } from "../../../src/sandbox/consul/filter-parser.js";
import { CHECK_SERVICE_NODE_SCHEMA, SERVICE_NODE_SCHEMA } from "../../../src/sandbox/consul/filter-schema.js";
import { type ConsulServer, startConsulServer } from "../../../src/sandbox/consul/server.js";
import type { Json } from "../../../src/sandbox/json.js";
import { consulClient, filter } from "./support.js";

const instance = (overrides: Record<string, Json>): Json => ({
  Node: "node-1",
  Address: "10.0.0.1",
  NodeMeta: { az: "a" },
  ServiceID: "web-1",
  ServiceName: "web",
  ServiceTags: ["v1", "canary"],
  ServiceMeta: { ecsmesh_owner: "l5d-demo", team: "edge" },
  ServicePort: 8080,
  ServiceEnableTagOverride: false,
  ServiceWeights: { Passing: 1, Warning: 1 },
  ...overrides,
});

const matches = (expression: string, item: Json = instance({})) =>
  compileFilter(expression, SERVICE_NODE_SCHEMA)(item);

describe("filter expressions", () => {
  it("compares strings, numbers and booleans", () => {
    expect(matches('ServiceName == "web"')).toBe(true);
    expect(matches("ServiceName == web")).toBe(true); // an unquoted value is its text
    expect(matches('ServiceName != "web"')).toBe(false);
    expect(matches("ServicePort == 8080")).toBe(true);
    expect(matches("ServicePort != 8080")).toBe(false);
    expect(matches("ServiceEnableTagOverride == false")).toBe(true);
    expect(matches("ServiceWeights.Passing == 1")).toBe(true);
    expect(matches("ServiceName == `web`")).toBe(true);
  });

  it("tests membership, substrings, emptiness and regular expressions", () => {
    expect(matches('"canary" in ServiceTags')).toBe(true);
    expect(matches("canary in ServiceTags")).toBe(true);
    expect(matches('"prod" not in ServiceTags')).toBe(true);
    expect(matches('ServiceTags contains "v1"')).toBe(true);
    expect(matches('ServiceTags not contains "v1"')).toBe(false);
    expect(matches('"team" in ServiceMeta')).toBe(true);
    expect(matches('"ode" in Node')).toBe(true); // substring of a string field
    expect(matches("ServiceTags is not empty")).toBe(true);
    expect(matches("NodeMeta is empty", instance({ NodeMeta: null }))).toBe(true);
    expect(matches('Address matches "^10\\\\.0\\\\."')).toBe(true);
    expect(matches('ServiceID not matches "-[0-9]+$"')).toBe(false);
  });

  it("selects map values by name or index, and treats a missing key as Consul does", () => {
    expect(matches('ServiceMeta.ecsmesh_owner == "l5d-demo"')).toBe(true);
    expect(matches('ServiceMeta["ecsmesh_owner"] == "l5d-demo"')).toBe(true);
    expect(matches('ServiceMeta.missing == ""')).toBe(false);
    expect(matches('ServiceMeta.missing != "x"')).toBe(true);
    expect(matches('"x" not in ServiceMeta.missing')).toBe(true);
    expect(matches('ServiceMeta.missing matches ".*"')).toBe(false);
  });

  it("combines with and, or, not and parentheses, with and binding tighter than or", () => {
    expect(matches('ServiceName == "x" and ServicePort == 1 or Node == "node-1"')).toBe(true);
    expect(matches('ServiceName == "x" and (ServicePort == 1 or Node == "node-1")')).toBe(false);
    expect(matches('not ServiceName == "x"')).toBe(true);
    expect(matches('not not ServiceName == "web"')).toBe(true);
    expect(matches('not (ServiceName == "web" or Node == "x")')).toBe(false);
    expect(parseFilter("a == 1 and b == 2 or c == 3").kind).toBe("or");
  });

  it("matches a field of a list when any element matches", () => {
    const entry: Json = { Checks: [{ Status: "passing" }, { Status: "critical", CheckID: "disk" }] };
    const health = (expression: string) => compileFilter(expression, CHECK_SERVICE_NODE_SCHEMA)(entry);
    expect(health('Checks.Status == "critical"')).toBe(true);
    expect(health('Checks.CheckID == "cpu"')).toBe(false);
    expect(health("Checks is not empty")).toBe(true);
  });

  it("refuses unknown selectors, unsupported operators, bad values and bad syntax", () => {
    const error = (expression: string) => () => compileFilter(expression, SERVICE_NODE_SCHEMA);
    expect(error('ServiceOwner == "x"')).toThrow('Selector "ServiceOwner" is not valid');
    expect(error('ServiceWeights.Heavy == "x"')).toThrow('Selector "ServiceWeights.Heavy" is not valid');
    expect(error("ServiceName.x == y")).toThrow('Selector "ServiceName.x" is not valid');
    expect(error('ServiceTags == "v1"')).toThrow('Invalid match operator "Equal" for selector "ServiceTags"');
    expect(error("ServicePort is empty")).toThrow(
      'Invalid match operator "Is Empty" for selector "ServicePort"',
    );
    expect(error("ServiceMeta.owner is empty")).toThrow(
      'Invalid match operator "Is Empty" for selector "ServiceMeta.owner"',
    );
    expect(error('ServicePort == "eighty"')).toThrow(
      'Failed to coerce value "eighty" for selector "ServicePort": strconv.ParseInt: parsing "eighty": invalid syntax',
    );
    expect(error('ServiceName matches "("')).toThrow('Failed to compile regular expression "("');
    expect(error('ServiceName == "web" and')).toThrow(/^1:\d+ \(\d+\): /);
    expect(error('(ServiceName == "web"')).toThrow("Unmatched parentheses");
    expect(error('ServiceName == "web')).toThrow("Unterminated string literal");
    expect(error("Address == 10.0.0.1")).toThrow("Invalid number literal");
    expect(error("ServiceName")).toThrow(/expected/);
  });
});

describe("?filter= over HTTP", () => {
  let server: ConsulServer;
  beforeAll(async () => {
    server = await startConsulServer();
  });
  afterAll(() => server.close());

  it("answers a bad expression the way Consul does: 500 from the evaluator, before any blocking", async () => {
    const answer = await consulClient(server.url).get(
      `/v1/health/service/web?index=999&wait=5s&${filter("Owner == x")}`,
    );
    expect(answer.status).toBe(500);
    expect(answer.text).toBe('Failed to create boolean expression evaluator: Selector "Owner" is not valid');
  });
});
