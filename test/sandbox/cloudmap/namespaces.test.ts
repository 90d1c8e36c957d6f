import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  DuplicateRequest,
  GetNamespaceCommand,
  GetOperationCommand,
  InvalidInput,
  ListNamespacesCommand,
  NamespaceAlreadyExists,
  NamespaceNotFound,
  paginateListNamespaces,
  ResourceInUse,
} from "@aws-sdk/client-servicediscovery";
import { describe, expect, it } from "vitest";
import { cloudMapContract, onlyWithBotocore } from "../contracts.js";
import {
  cloudMapStartedByEachTest,
  deliberatelyInvalid,
  httpNamespace,
  service,
  settled,
} from "./support.js";

const startCloudMap = cloudMapStartedByEachTest();

describe("creating a namespace", () => {
  it("is asynchronous: SUBMITTED, PENDING, then SUCCESS, and only then visible", async () => {
    const t = await startCloudMap({ timing: { submittedMs: 40, pendingMs: 40 } });
    const { OperationId } = await t.client.send(
      new CreateHttpNamespaceCommand({
        Name: "mesh.local",
        Description: "the mesh",
        CreatorRequestId: "req-1",
      }),
    );
    const statuses: string[] = [];
    const observe = async () => {
      const { Operation } = await t.client.send(new GetOperationCommand({ OperationId }));
      if (statuses.at(-1) !== Operation?.Status) statuses.push(Operation?.Status ?? "");
      return Operation;
    };
    const submitted = await observe();
    expect(submitted).toMatchObject({ Id: OperationId, Type: "CREATE_NAMESPACE", Status: "SUBMITTED" });
    const id = submitted?.Targets?.NAMESPACE ?? "";
    expect(id).toMatch(/^ns-[a-z0-9]{16}$/);
    await expect(t.client.send(new GetNamespaceCommand({ Id: id }))).rejects.toBeInstanceOf(
      NamespaceNotFound,
    );
    expect((await t.client.send(new ListNamespacesCommand({}))).Namespaces).toEqual([]);

    while ((await observe())?.Status !== "SUCCESS") await new Promise((resolve) => setTimeout(resolve, 5));
    expect(statuses).toEqual(["SUBMITTED", "PENDING", "SUCCESS"]);
    const { Namespace } = await t.client.send(new GetNamespaceCommand({ Id: id }));
    expect(Namespace).toMatchObject({
      Id: id,
      Arn: `arn:aws:servicediscovery:us-east-1:123456789012:namespace/${id}`,
      ResourceOwner: "123456789012",
      Name: "mesh.local",
      Type: "HTTP",
      Description: "the mesh",
      ServiceCount: 0,
      Properties: { DnsProperties: {}, HttpProperties: { HttpName: "mesh.local" } },
      CreatorRequestId: "req-1",
    });
    expect(Namespace?.CreateDate).toBeInstanceOf(Date);
    const byArn = await t.client.send(new GetNamespaceCommand({ Id: Namespace?.Arn }));
    expect(byArn.Namespace?.Id).toBe(id);
  });

  it("fails as a test asks, leaving no namespace and the name free", async () => {
    const t = await startCloudMap();
    t.server.cloudMap.failOperations("CREATE_NAMESPACE");
    const { OperationId } = await t.client.send(new CreateHttpNamespaceCommand({ Name: "mesh.local" }));
    const failed = await settled(t.client, OperationId);
    expect(failed).toMatchObject({ Status: "FAIL", ErrorCode: "CANNOT_CREATE_HOSTED_ZONE" });
    expect(failed.ErrorMessage).toMatch(/hosted zone/);
    await expect(
      t.client.send(new GetNamespaceCommand({ Id: failed.Targets?.NAMESPACE })),
    ).rejects.toBeInstanceOf(NamespaceNotFound);

    t.server.cloudMap.passOperations("CREATE_NAMESPACE");
    const retried = await t.client.send(new CreateHttpNamespaceCommand({ Name: "mesh.local" }));
    expect((await settled(t.client, retried.OperationId)).Status).toBe("SUCCESS");
  });

  it("answers a retried request with its operation, and a competing one with DuplicateRequest or NamespaceAlreadyExists", async () => {
    const t = await startCloudMap();
    const request = { Name: "mesh.local", CreatorRequestId: "req-1" };
    const first = await t.client.send(new CreateHttpNamespaceCommand(request));
    const retried = await t.client.send(new CreateHttpNamespaceCommand(request));
    expect(retried.OperationId).toBe(first.OperationId);
    const competing = t.client.send(
      new CreateHttpNamespaceCommand({ Name: "mesh.local", CreatorRequestId: "req-2" }),
    );
    await expect(competing).rejects.toBeInstanceOf(DuplicateRequest);
    await expect(competing).rejects.toThrow(first.OperationId ?? "?");
    await expect(competing).rejects.toMatchObject({ DuplicateOperationId: first.OperationId });

    const done = await settled(t.client, first.OperationId);
    expect((await t.client.send(new CreateHttpNamespaceCommand(request))).OperationId).toBe(
      first.OperationId,
    );
    const late = t.client.send(new CreateHttpNamespaceCommand({ Name: "mesh.local" }));
    await expect(late).rejects.toBeInstanceOf(NamespaceAlreadyExists);
    await expect(late).rejects.toThrow(done.Targets?.NAMESPACE ?? "?");
    await expect(late).rejects.toMatchObject({
      NamespaceId: done.Targets?.NAMESPACE,
      CreatorRequestId: "req-1",
    });
  });

  it("creates a private DNS namespace in a VPC, with its hosted zone and SOA TTL", async () => {
    const t = await startCloudMap();
    const noVpc = t.client.send(new CreatePrivateDnsNamespaceCommand({ Name: "mesh.internal" } as never));
    await expect(noVpc).rejects.toBeInstanceOf(InvalidInput);
    deliberatelyInvalid(t, /^CreatePrivateDnsNamespace request .*requires Vpc/);
    const { OperationId } = await t.client.send(
      new CreatePrivateDnsNamespaceCommand({
        Name: "mesh.internal",
        Vpc: "vpc-0abc",
        Properties: { DnsProperties: { SOA: { TTL: 60 } } },
      }),
    );
    const id = (await settled(t.client, OperationId)).Targets?.NAMESPACE;
    const { Namespace } = await t.client.send(new GetNamespaceCommand({ Id: id }));
    expect(Namespace).toMatchObject({
      Type: "DNS_PRIVATE",
      Properties: { DnsProperties: { SOA: { TTL: 60 } }, HttpProperties: { HttpName: "mesh.internal" } },
    });
    expect(Namespace?.Properties?.DnsProperties?.HostedZoneId).toMatch(/^Z[A-Z0-9]{19}$/);
  });

  it("refuses names the model does not allow", async () => {
    const t = await startCloudMap();
    await expect(t.client.send(new CreateHttpNamespaceCommand({ Name: "arn:mesh" }))).rejects.toBeInstanceOf(
      InvalidInput,
    );
    await expect(t.client.send(new CreateHttpNamespaceCommand({ Name: "has space" }))).rejects.toBeInstanceOf(
      InvalidInput,
    );
    deliberatelyInvalid(
      t,
      ...onlyWithBotocore(
        cloudMapContract,
        /Name: "arn:mesh" does not match/,
        /Name: "has space" does not match/,
      ),
    );
  });
});

describe("listing namespaces", () => {
  it("pages through them, and filters each page after taking it, as Cloud Map does", async () => {
    const t = await startCloudMap();
    const names = ["a.local", "b.local", "c.local", "d.local", "e.local"];
    await Promise.all(names.map((name) => httpNamespace(t.client, name)));
    const { OperationId } = await t.client.send(
      new CreatePrivateDnsNamespaceCommand({ Name: "f.internal", Vpc: "vpc-1" }),
    );
    await settled(t.client, OperationId);

    const pages: string[][] = [];
    for await (const page of paginateListNamespaces({ client: t.client, pageSize: 2 }, {})) {
      pages.push((page.Namespaces ?? []).map((namespace) => namespace.Name ?? ""));
    }
    expect(pages.map((page) => page.length)).toEqual([2, 2, 2]);
    expect(pages.flat().sort()).toEqual([...names, "f.internal"].sort());

    const first = await t.client.send(
      new ListNamespacesCommand({
        MaxResults: 2,
        Filters: [{ Name: "TYPE", Values: ["DNS_PRIVATE"], Condition: "EQ" }],
      }),
    );
    expect(first.Namespaces).toEqual([]);
    expect(first.NextToken).toBeDefined();
    const all = await t.client.send(
      new ListNamespacesCommand({ Filters: [{ Name: "NAME", Values: ["c."], Condition: "BEGINS_WITH" }] }),
    );
    expect(all.Namespaces?.map((namespace) => namespace.Name)).toEqual(["c.local"]);
    expect(all.Namespaces?.[0]).not.toHaveProperty("CreatorRequestId");
  });

  it("refuses filters and tokens it does not know", async () => {
    const t = await startCloudMap();
    const bad = [
      new ListNamespacesCommand({ Filters: [{ Name: "NAME", Values: ["a", "b"], Condition: "EQ" }] }),
      new ListNamespacesCommand({ Filters: [{ Name: "NAME", Values: ["a"], Condition: "BETWEEN" }] }),
      new ListNamespacesCommand({ NextToken: "garbage" }),
      new ListNamespacesCommand({ MaxResults: 101 }),
    ];
    for (const command of bad) await expect(t.client.send(command)).rejects.toBeInstanceOf(InvalidInput);
    deliberatelyInvalid(t, ...onlyWithBotocore(cloudMapContract, /MaxResults: 101 is above the maximum 100/));
  });
});

describe("deleting a namespace", () => {
  it("is refused while it has services, then asynchronous, and a second delete meanwhile is a duplicate", async () => {
    const t = await startCloudMap();
    const id = await httpNamespace(t.client, "mesh.local");
    const serviceId = await service(t.client, id, "world");
    await expect(t.client.send(new DeleteNamespaceCommand({ Id: id }))).rejects.toBeInstanceOf(ResourceInUse);
    await t.client.send(new DeleteServiceCommand({ Id: serviceId }));

    const { OperationId } = await t.client.send(new DeleteNamespaceCommand({ Id: id }));
    await expect(t.client.send(new DeleteNamespaceCommand({ Id: id }))).rejects.toBeInstanceOf(
      DuplicateRequest,
    );
    expect((await t.client.send(new GetNamespaceCommand({ Id: id }))).Namespace?.Id).toBe(id);
    expect(await settled(t.client, OperationId)).toMatchObject({
      Type: "DELETE_NAMESPACE",
      Status: "SUCCESS",
    });
    await expect(t.client.send(new GetNamespaceCommand({ Id: id }))).rejects.toBeInstanceOf(
      NamespaceNotFound,
    );
    await expect(t.client.send(new DeleteNamespaceCommand({ Id: id }))).rejects.toBeInstanceOf(
      NamespaceNotFound,
    );
  });

  it("keeps the namespace when the deletion fails", async () => {
    const t = await startCloudMap();
    const id = await httpNamespace(t.client, "mesh.local");
    t.server.cloudMap.failOperations("DELETE_NAMESPACE", { code: "INTERNAL_FAILURE", message: "boom" });
    const { OperationId } = await t.client.send(new DeleteNamespaceCommand({ Id: id }));
    expect(await settled(t.client, OperationId)).toMatchObject({ Status: "FAIL", ErrorMessage: "boom" });
    expect((await t.client.send(new GetNamespaceCommand({ Id: id }))).Namespace?.Id).toBe(id);
  });
});
