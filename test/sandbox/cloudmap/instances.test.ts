import {
  CreatePrivateDnsNamespaceCommand,
  DeregisterInstanceCommand,
  DiscoverInstancesCommand,
  type DiscoverInstancesCommandInput,
  DuplicateRequest,
  GetInstanceCommand,
  GetServiceCommand,
  InstanceNotFound,
  InvalidInput,
  ListInstancesCommand,
  ListOperationsCommand,
  NamespaceNotFound,
  type OperationFilter,
  paginateListInstances,
  RegisterInstanceCommand,
  ServiceNotFound,
} from "@aws-sdk/client-servicediscovery";
import { beforeEach, describe, expect, it } from "vitest";
import { cloudMapPerTest, httpNamespace, register, service, settled } from "./support.js";

const t = cloudMapPerTest();
let namespace: string;
let world: string;
beforeEach(async () => {
  namespace = await httpNamespace(t.client, "mesh.local");
  world = await service(t.client, namespace, "world");
});

const ADDRESS = { AWS_INSTANCE_IPV4: "10.0.0.7", AWS_INSTANCE_PORT: "31000" };

describe("registering an instance", () => {
  it("is asynchronous: the instance shows only at SUCCESS, with the request's CreatorRequestId", async () => {
    const { OperationId } = await t.client.send(
      new RegisterInstanceCommand({
        ServiceId: world,
        InstanceId: "task-1",
        CreatorRequestId: "req-1",
        Attributes: ADDRESS,
      }),
    );
    const get = new GetInstanceCommand({ ServiceId: world, InstanceId: "task-1" });
    await expect(t.client.send(get)).rejects.toBeInstanceOf(InstanceNotFound);
    expect(await settled(t.client, OperationId)).toMatchObject({
      Type: "REGISTER_INSTANCE",
      Status: "SUCCESS",
      Targets: { SERVICE: world, INSTANCE: "task-1" },
    });
    expect(await t.client.send(get)).toMatchObject({
      ResourceOwner: "123456789012",
      Instance: {
        Id: "task-1",
        CreatorRequestId: "req-1",
        Attributes: ADDRESS,
        CreatedByAccount: "123456789012",
      },
    });
    expect((await t.client.send(new GetServiceCommand({ Id: world }))).Service?.InstanceCount).toBe(1);
  });

  it("gives a retried request its operation, and refuses a second one for the instance meanwhile", async () => {
    const request = {
      ServiceId: world,
      InstanceId: "task-1",
      CreatorRequestId: "req-1",
      Attributes: ADDRESS,
    };
    const first = await t.client.send(new RegisterInstanceCommand(request));
    expect((await t.client.send(new RegisterInstanceCommand(request))).OperationId).toBe(first.OperationId);
    const other = t.client.send(new RegisterInstanceCommand({ ...request, CreatorRequestId: "req-2" }));
    await expect(other).rejects.toBeInstanceOf(DuplicateRequest);
    await expect(other).rejects.toThrow(first.OperationId ?? "?");
    await expect(other).rejects.toMatchObject({ DuplicateOperationId: first.OperationId });
    const deregister = new DeregisterInstanceCommand({ ServiceId: world, InstanceId: "task-1" });
    await expect(t.client.send(deregister)).rejects.toBeInstanceOf(DuplicateRequest);
    await settled(t.client, first.OperationId);

    // Registering again replaces the attributes.
    await register(t.client, world, "task-1", { ...ADDRESS, version: "v2" });
    const { Instance } = await t.client.send(
      new GetInstanceCommand({ ServiceId: world, InstanceId: "task-1" }),
    );
    expect(Instance?.Attributes).toEqual({ ...ADDRESS, version: "v2" });
  });

  it("fails as a test asks, registering nothing", async () => {
    t.server.cloudMap.failOperations("REGISTER_INSTANCE");
    const { OperationId } = await t.client.send(
      new RegisterInstanceCommand({ ServiceId: world, InstanceId: "task-1", Attributes: ADDRESS }),
    );
    expect(await settled(t.client, OperationId)).toMatchObject({
      Status: "FAIL",
      ErrorCode: "INTERNAL_FAILURE",
    });
    expect((await t.client.send(new ListInstancesCommand({ ServiceId: world }))).Instances).toEqual([]);
  });

  it("checks attributes against the model, the quotas and the service's DNS records", async () => {
    const { OperationId } = await t.client.send(
      new CreatePrivateDnsNamespaceCommand({ Name: "mesh.internal", Vpc: "vpc-1" }),
    );
    const dns = (await settled(t.client, OperationId)).Targets?.NAMESPACE ?? "";
    const srv = await service(t.client, dns, "world", {
      DnsConfig: { DnsRecords: [{ Type: "SRV", TTL: 10 }] },
    });
    const custom = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, "v"]));
    const refused: [string, Record<string, string>][] = [
      [srv, { AWS_INSTANCE_IPV4: "10.0.0.1" }],
      [srv, { AWS_INSTANCE_PORT: "8080" }],
      [world, { AWS_INSTANCE_IPV4: "10.0.0.300" }],
      [world, { AWS_INSTANCE_PORT: "70000" }],
      [world, { AWS_INIT_HEALTH_STATUS: "SICK" }],
      [world, custom],
    ];
    for (const [serviceId, attributes] of refused) {
      const register = new RegisterInstanceCommand({
        ServiceId: serviceId,
        InstanceId: "i-1",
        Attributes: attributes,
      });
      await expect(t.client.send(register)).rejects.toBeInstanceOf(InvalidInput);
    }
    await register(t.client, srv, "i-1", { AWS_INSTANCE_IPV4: "10.0.0.1", AWS_INSTANCE_PORT: "8080" });
    const ghost = new RegisterInstanceCommand({
      ServiceId: "srv-0000000000000000",
      InstanceId: "i",
      Attributes: {},
    });
    await expect(t.client.send(ghost)).rejects.toBeInstanceOf(ServiceNotFound);
  });
});

describe("deregistering an instance", () => {
  it("is asynchronous, and InstanceNotFound for an instance never registered", async () => {
    await register(t.client, world, "task-1");
    const { OperationId } = await t.client.send(
      new DeregisterInstanceCommand({ ServiceId: world, InstanceId: "task-1" }),
    );
    expect((await t.client.send(new ListInstancesCommand({ ServiceId: world }))).Instances).toHaveLength(1);
    expect(await settled(t.client, OperationId)).toMatchObject({
      Type: "DEREGISTER_INSTANCE",
      Status: "SUCCESS",
    });
    expect((await t.client.send(new ListInstancesCommand({ ServiceId: world }))).Instances).toEqual([]);
    const again = new DeregisterInstanceCommand({ ServiceId: world, InstanceId: "task-1" });
    await expect(t.client.send(again)).rejects.toBeInstanceOf(InstanceNotFound);
  });
});

describe("listing instances", () => {
  it("pages through them in registration order", async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `task-${i}`);
    for (const id of ids) await register(t.client, world, id);
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of paginateListInstances({ client: t.client, pageSize: 3 }, { ServiceId: world })) {
      expect(page.ResourceOwner).toBe("123456789012");
      pages.push(page.Instances?.length ?? 0);
      seen.push(...(page.Instances ?? []).map((instance) => instance.Id ?? ""));
    }
    expect(pages).toEqual([3, 3, 1]);
    expect(seen).toEqual(ids);
  });
});

describe("discovering instances", () => {
  const discover = async (input: Partial<DiscoverInstancesCommandInput> = {}) => {
    const answer = await t.client.send(
      new DiscoverInstancesCommand({ NamespaceName: "mesh.local", ServiceName: "world", ...input }),
    );
    return { ids: (answer.Instances ?? []).map((instance) => instance.InstanceId).sort(), answer };
  };

  it("returns the instances with UNKNOWN health when the service has no health check", async () => {
    await register(t.client, world, "a", { ...ADDRESS, version: "v1" });
    await register(t.client, world, "b", { ...ADDRESS, version: "v2" });
    const { ids, answer } = await discover({ HealthStatus: "UNHEALTHY" });
    expect(ids).toEqual(["a", "b"]);
    expect(answer.Instances?.find((instance) => instance.InstanceId === "a")).toEqual({
      InstanceId: "a",
      NamespaceName: "mesh.local",
      ServiceName: "world",
      HealthStatus: "UNKNOWN",
      Attributes: { ...ADDRESS, version: "v1" },
    });
    expect(answer.InstancesRevision).toBe(2);
    expect((await discover({ QueryParameters: { version: "v2" } })).ids).toEqual(["b"]);
    expect((await discover({ OptionalParameters: { version: "v1" } })).ids).toEqual(["a"]);
    expect((await discover({ OptionalParameters: { version: "v9" } })).ids).toEqual(["a", "b"]);
    expect((await discover({ MaxResults: 1 })).ids).toHaveLength(1);
  });

  it("filters by health under a custom health check", async () => {
    const checked = await service(t.client, namespace, "checked", { HealthCheckCustomConfig: {} });
    await register(t.client, checked, "up", ADDRESS);
    await register(t.client, checked, "down", { ...ADDRESS, AWS_INIT_HEALTH_STATUS: "UNHEALTHY" });
    const health = (status: DiscoverInstancesCommandInput["HealthStatus"]) =>
      discover({ ServiceName: "checked", ...(status === undefined ? {} : { HealthStatus: status }) });
    expect((await health(undefined)).ids).toEqual(["up"]);
    expect((await health("UNHEALTHY")).ids).toEqual(["down"]);
    expect((await health("ALL")).ids).toEqual(["down", "up"]);
    const before = (await health("ALL")).answer.InstancesRevision ?? 0;
    t.server.cloudMap.setInstanceHealth(checked, "up", "UNHEALTHY");
    expect((await health("HEALTHY")).ids).toEqual([]);
    expect((await health("HEALTHY_OR_ELSE_ALL")).ids).toEqual(["down", "up"]);
    expect((await health("ALL")).answer.InstancesRevision).toBe(before + 1);
  });

  it("answers NamespaceNotFound and ServiceNotFound by name", async () => {
    await expect(discover({ NamespaceName: "elsewhere.local" })).rejects.toBeInstanceOf(NamespaceNotFound);
    await expect(discover({ ServiceName: "nobody" })).rejects.toBeInstanceOf(ServiceNotFound);
  });
});

describe("listing operations", () => {
  it("filters by service, type and status", async () => {
    await register(t.client, world, "a");
    await register(t.client, world, "b");
    const { OperationId } = await t.client.send(
      new DeregisterInstanceCommand({ ServiceId: world, InstanceId: "a" }),
    );
    // Settled first: on a loaded machine its 10 ms SUBMITTED phase may pass before the listing.
    await settled(t.client, OperationId);
    const list = async (filters: OperationFilter[]) =>
      (await t.client.send(new ListOperationsCommand({ Filters: filters }))).Operations ?? [];
    expect(await list([{ Name: "SERVICE_ID", Values: [world] }])).toHaveLength(3);
    expect(await list([{ Name: "NAMESPACE_ID", Values: [namespace] }])).toHaveLength(1);
    expect(
      await list([{ Name: "TYPE", Values: ["DEREGISTER_INSTANCE", "DELETE_NAMESPACE"], Condition: "IN" }]),
    ).toEqual([{ Id: OperationId, Status: "SUCCESS" }]);
    expect(await list([{ Name: "STATUS", Values: ["SUCCESS"] }])).toHaveLength(4);
    expect(await list([{ Name: "STATUS", Values: ["SUBMITTED", "PENDING"], Condition: "IN" }])).toEqual([]);
    const now = Date.now() / 1000;
    const recent = await list([
      { Name: "UPDATE_DATE", Values: [String(now - 60), String(now + 60)], Condition: "BETWEEN" },
    ]);
    expect(recent).toHaveLength(4);
  });
});
