import {
  CreateClusterCommand,
  DescribeClustersCommand,
  ListServicesCommand,
  TagResourceCommand,
} from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { CallCounter } from "../../src/sandbox/call-counter.js";
import { closeChecked, startTestEcs } from "./support.js";

describe("CallCounter", () => {
  it("counts per operation and outcome, and tells writes from reads", () => {
    const calls = new CallCounter();
    calls.record("CreateService", { kind: "ok" });
    calls.record("CreateService", { kind: "error", code: "InvalidParameterException" });
    calls.record("CreateService", { kind: "throttled" });
    calls.record("DescribeServices", { kind: "ok" });
    calls.record("ListTasks", { kind: "connectionReset" });
    calls.record("TagResource", { kind: "error", code: "ServerException" });
    expect(calls.get("CreateService")).toEqual({
      total: 3,
      ok: 1,
      throttled: 1,
      connectionResets: 0,
      errors: { InvalidParameterException: 1 },
    });
    expect(calls.get("DeleteService").total).toBe(0);
    expect(calls.total()).toBe(6);
    expect(calls.writes()).toBe(4);
    expect(Object.keys(calls.snapshot())).toEqual([
      "CreateService",
      "DescribeServices",
      "ListTasks",
      "TagResource",
    ]);
    calls.reset();
    expect(calls.total()).toBe(0);
    expect(calls.snapshot()).toEqual({});
  });

  it("counts exactly what the server answered", async () => {
    const t = await startTestEcs({
      faults: { throttling: true, buckets: { clusterModify: { burst: 1, refillPerSecond: 0 } } },
    });
    await t.client.send(new CreateClusterCommand({ clusterName: "a" }));
    await t.client.send(new CreateClusterCommand({ clusterName: "b" })).catch(() => undefined);
    await t.client.send(new DescribeClustersCommand({ clusters: ["a", "zzz"] }));
    await t.client.send(new ListServicesCommand({ cluster: "zzz" })).catch(() => undefined);
    await t.client
      .send(
        new TagResourceCommand({ resourceArn: "arn:aws:ecs:us-east-1:123456789012:cluster/zzz", tags: [] }),
      )
      .catch(() => undefined);
    expect(t.server.calls.snapshot()).toEqual({
      CreateCluster: { total: 2, ok: 1, throttled: 1, connectionResets: 0, errors: {} },
      DescribeClusters: { total: 1, ok: 1, throttled: 0, connectionResets: 0, errors: {} },
      ListServices: {
        total: 1,
        ok: 0,
        throttled: 0,
        connectionResets: 0,
        errors: { ClusterNotFoundException: 1 },
      },
      TagResource: {
        total: 1,
        ok: 0,
        throttled: 0,
        connectionResets: 0,
        errors: { ResourceNotFoundException: 1 },
      },
    });
    expect(t.server.calls.writes()).toBe(3);
    expect(t.server.calls.total()).toBe(5);
    await closeChecked(t);
  });
});
