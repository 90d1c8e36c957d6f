import {
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  GetServiceCommand,
  InvalidInput,
  ListServicesCommand,
  ListTagsForResourceCommand,
  NamespaceNotFound,
  paginateListServices,
  ResourceInUse,
  ResourceNotFoundException,
  ServiceAlreadyExists,
  ServiceNotFound,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-servicediscovery";
import { beforeEach, describe, expect, it } from "vitest";
import { cloudMapContract, onlyWithBotocore } from "../contracts.js";
import {
  cloudMapPerTest,
  deliberatelyInvalid,
  httpNamespace,
  register,
  service,
  settled,
} from "./support.js";

const t = cloudMapPerTest();
let http: string;
beforeEach(async () => {
  http = await httpNamespace(t.client, "mesh.local");
});

async function privateNamespace(name = "mesh.internal"): Promise<string> {
  const { OperationId } = await t.client.send(
    new CreatePrivateDnsNamespaceCommand({ Name: name, Vpc: "vpc-1" }),
  );
  return (await settled(t.client, OperationId)).Targets?.NAMESPACE ?? "";
}

const A_RECORD = { DnsRecords: [{ Type: "A" as const, TTL: 10 }] };

describe("creating a service", () => {
  it("creates an HTTP service at once and shows it", async () => {
    const { Service } = await t.client.send(
      new CreateServiceCommand({
        NamespaceId: http,
        Name: "world",
        Description: "hello's backend",
        CreatorRequestId: "req-1",
        HealthCheckCustomConfig: {},
        Tags: [{ Key: "ecsmesh:owner", Value: "l5d-demo" }],
      }),
    );
    expect(Service).toMatchObject({
      Id: expect.stringMatching(/^srv-[a-z0-9]{16}$/),
      Name: "world",
      NamespaceId: http,
      Type: "HTTP",
      Description: "hello's backend",
      InstanceCount: 0,
      HealthCheckCustomConfig: { FailureThreshold: 1 },
      CreatorRequestId: "req-1",
      CreatedByAccount: "123456789012",
    });
    expect(Service?.Arn).toBe(`arn:aws:servicediscovery:us-east-1:123456789012:service/${Service?.Id}`);
    expect((await t.client.send(new GetServiceCommand({ Id: Service?.Arn }))).Service).toEqual(Service);
    const tags = await t.client.send(new ListTagsForResourceCommand({ ResourceARN: Service?.Arn }));
    expect(tags.Tags).toEqual([{ Key: "ecsmesh:owner", Value: "l5d-demo" }]);
  });

  it("returns the same service to a retried request, and ServiceAlreadyExists to another", async () => {
    const request = { NamespaceId: http, Name: "world", CreatorRequestId: "req-1" };
    const first = await t.client.send(new CreateServiceCommand(request));
    const retried = await t.client.send(new CreateServiceCommand(request));
    expect(retried.Service?.Id).toBe(first.Service?.Id);
    const other = t.client.send(new CreateServiceCommand({ ...request, Description: "changed" }));
    await expect(other).rejects.toBeInstanceOf(ServiceAlreadyExists);
    await expect(other).rejects.toThrow(first.Service?.Id ?? "?");
    await expect(other).rejects.toMatchObject({
      ServiceId: first.Service?.Id,
      ServiceArn: first.Service?.Arn,
      CreatorRequestId: "req-1",
    });
    // The SDK fills in a fresh CreatorRequestId when none is given.
    const fresh = t.client.send(new CreateServiceCommand({ NamespaceId: http, Name: "world" }));
    await expect(fresh).rejects.toBeInstanceOf(ServiceAlreadyExists);
  });

  it("needs a namespace that exists and is not being deleted", async () => {
    const missing = new CreateServiceCommand({ NamespaceId: "ns-0000000000000000", Name: "world" });
    await expect(t.client.send(missing)).rejects.toBeInstanceOf(NamespaceNotFound);
    await expect(t.client.send(new CreateServiceCommand({ Name: "world" }))).rejects.toBeInstanceOf(
      InvalidInput,
    );
    const { OperationId } = await t.client.send(new DeleteNamespaceCommand({ Id: http }));
    const deleting = new CreateServiceCommand({ NamespaceId: http, Name: "world" });
    await expect(t.client.send(deleting)).rejects.toBeInstanceOf(NamespaceNotFound);
    expect((await settled(t.client, OperationId)).Status).toBe("SUCCESS");
  });

  it("checks DNS settings against the namespace type", async () => {
    const dns = await privateNamespace();
    const created = await t.client.send(
      new CreateServiceCommand({ NamespaceId: dns, Name: "world", DnsConfig: A_RECORD }),
    );
    expect(created.Service).toMatchObject({
      Type: "DNS_HTTP",
      DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: 10 }] },
    });
    const apiOnly = await t.client.send(
      new CreateServiceCommand({ NamespaceId: dns, Name: "api", Type: "HTTP" }),
    );
    expect(apiOnly.Service?.Type).toBe("HTTP");

    const refused = [
      { NamespaceId: http, Name: "a", DnsConfig: A_RECORD },
      { NamespaceId: dns, Name: "b" },
      { NamespaceId: dns, Name: "WORLD", DnsConfig: A_RECORD },
      {
        NamespaceId: dns,
        Name: "c",
        DnsConfig: {
          DnsRecords: [
            { Type: "A" as const, TTL: 1 },
            { Type: "CNAME" as const, TTL: 1 },
          ],
        },
      },
      { NamespaceId: dns, Name: "d", DnsConfig: { DnsRecords: [{ Type: "CNAME" as const, TTL: 1 }] } },
      { NamespaceId: dns, Name: "e", DnsConfig: A_RECORD, HealthCheckConfig: { Type: "HTTP" as const } },
      {
        NamespaceId: http,
        Name: "f",
        HealthCheckConfig: { Type: "TCP" as const },
        HealthCheckCustomConfig: {},
      },
      { NamespaceId: http, Name: "-bad-" },
    ];
    const outcomes = await Promise.allSettled(
      refused.map((input) => t.client.send(new CreateServiceCommand(input))),
    );
    expect(
      outcomes.map((outcome) => (outcome.status === "rejected" ? (outcome.reason as Error).name : "created")),
    ).toEqual([
      "InvalidInput",
      "InvalidInput",
      "ServiceAlreadyExists",
      "InvalidInput",
      "InvalidInput",
      "InvalidInput",
      "InvalidInput",
      "InvalidInput",
    ]);
    deliberatelyInvalid(t, ...onlyWithBotocore(cloudMapContract, /Name: "-bad-" does not match/));
  });
});

describe("listing services", () => {
  it("filters by namespace (ID or ARN) and pages", async () => {
    const dns = await privateNamespace();
    await Promise.all(["a", "b", "c", "d", "e"].map((name) => service(t.client, http, name)));
    await service(t.client, dns, "x", { DnsConfig: A_RECORD });
    const names: string[] = [];
    const filter = [{ Name: "NAMESPACE_ID" as const, Values: [http], Condition: "EQ" as const }];
    for await (const page of paginateListServices({ client: t.client, pageSize: 2 }, { Filters: filter })) {
      expect(page.Services?.length).toBeLessThanOrEqual(2);
      names.push(...(page.Services ?? []).map((summary) => summary.Name ?? ""));
    }
    expect(names.sort()).toEqual(["a", "b", "c", "d", "e"]);
    const byArn = await t.client.send(
      new ListServicesCommand({
        Filters: [
          {
            Name: "NAMESPACE_ID",
            Values: [`arn:aws:servicediscovery:us-east-1:123456789012:namespace/${dns}`],
          },
        ],
      }),
    );
    expect(byArn.Services?.map((summary) => summary.Name)).toEqual(["x"]);
    expect(byArn.Services?.[0]).not.toHaveProperty("NamespaceId");
    expect((await t.client.send(new ListServicesCommand({}))).Services).toHaveLength(6);
  });
});

describe("updating a service", () => {
  it("changes TTLs and the description asynchronously, not record types", async () => {
    const dns = await privateNamespace();
    const id = await service(t.client, dns, "world", { DnsConfig: A_RECORD, Description: "old" });
    const change = { Description: "new", DnsConfig: { DnsRecords: [{ Type: "A" as const, TTL: 300 }] } };
    const { OperationId } = await t.client.send(new UpdateServiceCommand({ Id: id, Service: change }));
    expect((await t.client.send(new GetServiceCommand({ Id: id }))).Service?.Description).toBe("old");
    expect(await settled(t.client, OperationId)).toMatchObject({
      Type: "UPDATE_SERVICE",
      Status: "SUCCESS",
      Targets: { SERVICE: id },
    });
    expect((await t.client.send(new GetServiceCommand({ Id: id }))).Service).toMatchObject({
      Description: "new",
      DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: 300 }] },
    });

    const retype = { DnsConfig: { DnsRecords: [{ Type: "SRV" as const, TTL: 300 }] } };
    await expect(t.client.send(new UpdateServiceCommand({ Id: id, Service: retype }))).rejects.toBeInstanceOf(
      InvalidInput,
    );
    const inHttp = await service(t.client, http, "api");
    await expect(
      t.client.send(new UpdateServiceCommand({ Id: inHttp, Service: { Description: "x" } })),
    ).rejects.toBeInstanceOf(InvalidInput);
  });
});

describe("deleting a service", () => {
  it("is refused while instances are registered, immediate otherwise", async () => {
    const id = await service(t.client, http, "world");
    await register(t.client, id, "i-1");
    await expect(t.client.send(new DeleteServiceCommand({ Id: id }))).rejects.toBeInstanceOf(ResourceInUse);
    const other = await service(t.client, http, "empty");
    await t.client.send(new DeleteServiceCommand({ Id: other }));
    await expect(t.client.send(new GetServiceCommand({ Id: other }))).rejects.toBeInstanceOf(ServiceNotFound);
    await expect(t.client.send(new DeleteServiceCommand({ Id: other }))).rejects.toBeInstanceOf(
      ServiceNotFound,
    );
  });
});

describe("tags", () => {
  it("tags, untags and lists namespaces and services by ARN", async () => {
    const arn = `arn:aws:servicediscovery:us-east-1:123456789012:namespace/${http}`;
    await t.client.send(
      new TagResourceCommand({
        ResourceARN: arn,
        Tags: [
          { Key: "a", Value: "1" },
          { Key: "b", Value: "2" },
        ],
      }),
    );
    await t.client.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "a", Value: "3" }] }));
    await t.client.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ["b", "absent"] }));
    expect((await t.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: "a", Value: "3" },
    ]);

    const ghost = arn.replace(http, "ns-0000000000000000");
    await expect(
      t.client.send(new ListTagsForResourceCommand({ ResourceARN: ghost })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const reserved = new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "aws:x", Value: "1" }] });
    await expect(t.client.send(reserved)).rejects.toBeInstanceOf(InvalidInput);
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await expect(
      t.client.send(new TagResourceCommand({ ResourceARN: arn, Tags: many })),
    ).rejects.toMatchObject({
      name: "TooManyTagsException",
      ResourceName: arn,
    });
  });
});
