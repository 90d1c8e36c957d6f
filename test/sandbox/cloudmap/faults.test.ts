import {
  CreateHttpNamespaceCommand,
  DiscoverInstancesCommand,
  GetOperationCommand,
  ListNamespacesCommand,
  OperationNotFound,
  ServiceDiscoveryServiceException,
} from "@aws-sdk/client-servicediscovery";
import { describe, expect, it } from "vitest";
import { cloudMapStartedByEachTest, httpNamespace, register, service } from "./support.js";

const startCloudMap = cloudMapStartedByEachTest();

describe("call counts", () => {
  it("counts every call by operation and outcome, and the mutating ones as writes", async () => {
    const t = await startCloudMap();
    const namespace = await httpNamespace(t.client, "mesh.local");
    const world = await service(t.client, namespace, "world");
    await register(t.client, world, "task-1");
    await t.client.send(new DiscoverInstancesCommand({ NamespaceName: "mesh.local", ServiceName: "world" }));
    await expect(t.client.send(new GetOperationCommand({ OperationId: "nope" }))).rejects.toBeInstanceOf(
      OperationNotFound,
    );
    const calls = t.server.calls;
    expect(calls.get("CreateHttpNamespace")).toMatchObject({ total: 1, ok: 1 });
    expect(calls.get("CreateService")).toMatchObject({ total: 1, ok: 1 });
    expect(calls.get("RegisterInstance")).toMatchObject({ total: 1, ok: 1 });
    expect(calls.get("DiscoverInstances")).toMatchObject({ total: 1, ok: 1 });
    expect(calls.get("GetOperation").errors).toEqual({ OperationNotFound: 1 });
    expect(calls.writes()).toBe(3);
  });
});

describe("faults", () => {
  it("answers InternalFailure at the server error rate", async () => {
    const t = await startCloudMap({ faults: { serverErrorRate: 1 } });
    const failure = t.client.send(new CreateHttpNamespaceCommand({ Name: "mesh.local" }));
    await expect(failure).rejects.toBeInstanceOf(ServiceDiscoveryServiceException);
    await expect(failure).rejects.toMatchObject({ name: "InternalFailure", $fault: "server" });
    expect(t.server.cloudMap.state.operations.size).toBe(0);
  });

  it("resets connections at the reset rate", async () => {
    const t = await startCloudMap({ faults: { connectionResetRate: 1 } });
    await expect(t.client.send(new ListNamespacesCommand({}))).rejects.toThrow();
    expect(t.server.calls.get("ListNamespaces").connectionResets).toBe(1);
  });

  it("throttles DiscoverInstances from its bucket, and nothing else", async () => {
    const t = await startCloudMap();
    const namespace = await httpNamespace(t.client, "mesh.local");
    await service(t.client, namespace, "world");
    t.server.faults.configure({ buckets: { discoverInstances: { burst: 2, refillPerSecond: 0 } } });
    const discover = () =>
      t.client.send(new DiscoverInstancesCommand({ NamespaceName: "mesh.local", ServiceName: "world" }));
    await discover();
    await discover();
    await expect(discover()).rejects.toMatchObject({ name: "RequestLimitExceeded" });
    for (let i = 0; i < 5; i += 1) await t.client.send(new ListNamespacesCommand({}));
    expect(t.server.calls.get("DiscoverInstances")).toMatchObject({ total: 3, ok: 2, throttled: 1 });
  });
});
