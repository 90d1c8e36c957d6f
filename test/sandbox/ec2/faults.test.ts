import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { Faults } from "../../../src/sandbox/faults.js";
import { EC2_PUBLISHED_LIMITS } from "../../../src/sandbox/published-limits.js";
import { ec2Client, ec2Error, startTestEc2, type TestEc2, testInstance } from "./support.js";

let t: TestEc2 | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const start = async (faults: ConstructorParameters<typeof Faults>[1] = {}) => {
  t = await startTestEc2({ instances: () => [testInstance(1)], faults });
  return t;
};
const describeInstances = (ec2: TestEc2, instanceId = testInstance(1).instanceId) =>
  ec2.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
const noCalls = { total: 0, ok: 0, throttled: 0, connectionResets: 0, errors: {} };

describe("EC2 throttling", () => {
  it("defaults to EC2's documented bucket for non-mutating actions", () => {
    expect(EC2_PUBLISHED_LIMITS).toEqual({
      buckets: { DescribeInstances: { burst: 100, refillPerSecond: 20 } },
      operations: { DescribeInstances: "DescribeInstances" },
    });
    const faults = new Faults(EC2_PUBLISHED_LIMITS, {}, () => 0);
    const outcomes = Array.from({ length: 101 }, () => faults.decide("DescribeInstances").outcome);
    expect(outcomes.filter((outcome) => outcome === "throttle")).toHaveLength(1);
  });

  it("answers RequestLimitExceeded with HTTP 503 once the bucket is empty, and counts it apart", async () => {
    const ec2 = await start({
      throttling: true,
      buckets: { DescribeInstances: { burst: 2, refillPerSecond: 0 } },
    });
    await describeInstances(ec2);
    await describeInstances(ec2);
    const error = await ec2Error(describeInstances(ec2));
    expect(error.name).toBe("RequestLimitExceeded");
    expect(error.message).toBe("Request limit exceeded.");
    expect(error.$metadata.httpStatusCode).toBe(503);
    expect(ec2.server.calls.get("DescribeInstances")).toEqual({ ...noCalls, total: 3, ok: 2, throttled: 1 });
  });
});

describe("injected faults", () => {
  it("answers server errors with InternalError, which the SDK retries", async () => {
    const ec2 = await start({ serverErrorRate: 1 });
    const retrying = ec2Client(ec2.server.url, 3);
    const error = await ec2Error(retrying.send(new DescribeInstancesCommand({})));
    retrying.destroy();
    expect(error.name).toBe("InternalError");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 3 });
    expect(ec2.server.calls.get("DescribeInstances")).toEqual({
      ...noCalls,
      total: 3,
      errors: { InternalError: 3 },
    });
  });

  it("drops connections without an answer", async () => {
    const ec2 = await start({ connectionResetRate: 1 });
    await expect(describeInstances(ec2)).rejects.toThrow();
    expect(ec2.server.calls.get("DescribeInstances")).toEqual({ ...noCalls, total: 1, connectionResets: 1 });
  });

  it("delays every answer by the latency, and can be changed at runtime", async () => {
    const ec2 = await start();
    ec2.server.faults.configure({ latencyMs: 60 });
    const started = performance.now();
    await describeInstances(ec2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    ec2.server.faults.configure({ latencyMs: 0, serverErrorRate: 1 });
    expect((await ec2Error(describeInstances(ec2))).name).toBe("InternalError");
  });
});

describe("call counts", () => {
  it("counts each call once by operation and outcome", async () => {
    const ec2 = await start();
    await describeInstances(ec2);
    await describeInstances(ec2);
    await ec2Error(describeInstances(ec2, testInstance(9).instanceId));
    await fetch(ec2.server.url, { method: "POST", body: "Action=RunInstances&Version=2016-11-15" });
    expect(ec2.server.calls.snapshot()).toEqual({
      DescribeInstances: { ...noCalls, total: 3, ok: 2, errors: { "InvalidInstanceID.NotFound": 1 } },
      RunInstances: { ...noCalls, total: 1, errors: { InvalidAction: 1 } },
    });
    expect(ec2.server.calls.total()).toBe(4);
    expect(ec2.server.calls.writes()).toBe(1);
  });
});
