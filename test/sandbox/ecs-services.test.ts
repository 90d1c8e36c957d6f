import {
  ClientException,
  ClusterNotFoundException,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DeleteServiceCommand,
  DescribeServicesCommand,
  InvalidParameterException,
  ListServicesCommand,
  paginateListServices,
  ServiceNotActiveException,
  ServiceNotFoundException,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { beforeEach, describe, expect, it } from "vitest";
import { ecsPerTest, eventually, registerApp } from "./support.js";

const t = ecsPerTest({ timing: { inactiveServiceRetentionMs: 400 } });
beforeEach(async () => {
  await registerApp(t.client, "web");
});

const create = (input: Partial<CreateServiceCommandInput> = {}) =>
  t.client.send(
    new CreateServiceCommand({ serviceName: "web", taskDefinition: "web", desiredCount: 1, ...input }),
  );
const describeOne = async (name: string) =>
  (await t.client.send(new DescribeServicesCommand({ services: [name] }))).services?.[0];
const failure = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);

describe("CreateService", () => {
  it("creates a service with ECS's defaults", async () => {
    const { service } = await create({ tags: [{ key: "team", value: "mesh" }] });
    expect(service).toMatchObject({
      serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/default/web",
      serviceName: "web",
      clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/default",
      status: "ACTIVE",
      desiredCount: 1,
      runningCount: 0,
      pendingCount: 0,
      launchType: "EC2",
      schedulingStrategy: "REPLICA",
      taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: false, rollback: false },
        maximumPercent: 200,
        minimumHealthyPercent: 100,
      },
      deploymentController: { type: "ECS" },
      propagateTags: "NONE",
      enableECSManagedTags: false,
      placementConstraints: [],
      placementStrategy: [],
      serviceRegistries: [],
      loadBalancers: [],
      events: [],
    });
    expect(service?.tags).toBeUndefined();
    expect(service?.deployments).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^ecs-svc\/\d{19}$/),
        status: "PRIMARY",
        desiredCount: 1,
        rolloutState: "IN_PROGRESS",
        rolloutStateReason: `ECS deployment ${service?.deployments?.[0]?.id} in progress.`,
      }),
    ]);
  });

  it("keeps what was sent: network, placement, registries, deployment settings", async () => {
    await registerApp(t.client, "vpc", { networkMode: "awsvpc" });
    const { service } = await create({
      serviceName: "vpc",
      taskDefinition: "vpc",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"], securityGroups: ["sg-1"] } },
      placementConstraints: [{ type: "distinctInstance" }],
      placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }],
      serviceRegistries: [{ registryArn: "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1" }],
      deploymentConfiguration: {
        minimumHealthyPercent: 50,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
      propagateTags: "SERVICE",
      enableECSManagedTags: true,
    });
    expect(service).toMatchObject({
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ["subnet-1"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" },
      },
      placementConstraints: [{ type: "distinctInstance" }],
      placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }],
      serviceRegistries: [{ registryArn: "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1" }],
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        maximumPercent: 200,
        minimumHealthyPercent: 50,
      },
      propagateTags: "SERVICE",
      enableECSManagedTags: true,
    });
  });

  it("is idempotent for the same clientToken and parameters, and only then", async () => {
    const first = await create({ clientToken: "token-1" });
    const again = await create({ clientToken: "token-1" });
    expect(again.service?.serviceArn).toBe(first.service?.serviceArn);
    expect(again.service?.createdAt).toEqual(first.service?.createdAt);
    expect(again.service?.deployments?.[0]?.id).toBe(first.service?.deployments?.[0]?.id);
    for (const attempt of [
      create({ clientToken: "token-1", desiredCount: 2 }),
      create({ clientToken: "token-2" }),
      create(),
    ]) {
      const error = await failure(attempt);
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect((error as Error).message).toBe("Creation of service was not idempotent.");
    }
    expect(t.server.calls.get("CreateService")).toMatchObject({
      ok: 2,
      errors: { InvalidParameterException: 3 },
    });
  });

  it.each([
    ["an unknown task definition", { taskDefinition: "ghost" }, ClientException, "TaskDefinition not found."],
    [
      "a missing desired count",
      { desiredCount: undefined },
      InvalidParameterException,
      /desiredCount is required/,
    ],
    ["a desired count for DAEMON", { schedulingStrategy: "DAEMON" }, InvalidParameterException, /DAEMON/],
    ["a bad name", { serviceName: "has space" }, InvalidParameterException, /Service names/],
    ["a long client token", { clientToken: "x".repeat(37) }, InvalidParameterException, /clientToken/],
    [
      "a network configuration for bridge",
      { networkConfiguration: { awsvpcConfiguration: { subnets: ["s"] } } },
      InvalidParameterException,
      /not valid/,
    ],
    [
      "Fargate for a bridge definition",
      { launchType: "FARGATE" },
      InvalidParameterException,
      /does not support launch_type FARGATE/,
    ],
    [
      "a capacity provider",
      { capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT" }] },
      InvalidParameterException,
      /capacity provider/,
    ],
    [
      "an expression on distinctInstance",
      { placementConstraints: [{ type: "distinctInstance", expression: "x" }] },
      InvalidParameterException,
      /expression/,
    ],
    [
      "spread without a field",
      { placementStrategy: [{ type: "spread" }] },
      InvalidParameterException,
      /needs a field/,
    ],
    [
      "a circuit breaker without rollback",
      { deploymentConfiguration: { deploymentCircuitBreaker: { enable: true } } },
      InvalidParameterException,
      /enable and rollback/,
    ],
    [
      "minimumHealthyPercent over 100",
      { deploymentConfiguration: { minimumHealthyPercent: 150 } },
      InvalidParameterException,
      /minimumHealthyPercent/,
    ],
  ])("refuses %s", async (_case, input, type, message) => {
    const error = await failure(create(input as Partial<CreateServiceCommandInput>));
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    t.requestIssues.length = 0;
  });

  it("needs a network configuration for awsvpc and an existing cluster", async () => {
    await registerApp(t.client, "vpc", { networkMode: "awsvpc" });
    const error = await failure(create({ taskDefinition: "vpc" }));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toBe(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
    await expect(create({ cluster: "ghost" })).rejects.toBeInstanceOf(ClusterNotFoundException);
  });
});

describe("UpdateService", () => {
  it("scales without a new deployment and redeploys for a new task definition or on request", async () => {
    const { service } = await create();
    const firstDeployment = service?.deployments?.[0]?.id;
    const scaled = await t.client.send(new UpdateServiceCommand({ service: "web", desiredCount: 3 }));
    expect(scaled.service?.desiredCount).toBe(3);
    expect(scaled.service?.deployments?.map((d) => d.id)).toEqual([firstDeployment]);

    const v2 = await registerApp(t.client, "web", { image: "example/web:2" });
    const updated = await t.client.send(new UpdateServiceCommand({ service: "web", taskDefinition: v2 }));
    expect(updated.service?.taskDefinition).toBe(v2);
    expect(updated.service?.deployments?.map((d) => [d.status, d.taskDefinition])).toEqual([
      ["PRIMARY", v2],
      ["ACTIVE", "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"],
    ]);
    const primary = updated.service?.deployments?.[0]?.id;
    const same = await t.client.send(new UpdateServiceCommand({ service: "web", taskDefinition: "web:2" }));
    expect(same.service?.deployments?.[0]?.id).toBe(primary);
    const forced = await t.client.send(
      new UpdateServiceCommand({ service: "web", forceNewDeployment: true }),
    );
    expect(forced.service?.deployments?.[0]).toMatchObject({ status: "PRIMARY", taskDefinition: v2 });
    expect(forced.service?.deployments?.[0]?.id).not.toBe(primary);
  });

  it("redeploys for a new network configuration", async () => {
    await registerApp(t.client, "vpc", { networkMode: "awsvpc" });
    const subnets = (name: string) => ({ awsvpcConfiguration: { subnets: [name] } });
    const { service } = await create({ taskDefinition: "vpc", networkConfiguration: subnets("subnet-1") });
    const same = await t.client.send(
      new UpdateServiceCommand({ service: "web", networkConfiguration: subnets("subnet-1") }),
    );
    expect(same.service?.deployments?.[0]?.id).toBe(service?.deployments?.[0]?.id);
    const moved = await t.client.send(
      new UpdateServiceCommand({ service: "web", networkConfiguration: subnets("subnet-2") }),
    );
    expect(moved.service?.deployments?.[0]).toMatchObject({
      status: "PRIMARY",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-2"], assignPublicIp: "DISABLED" } },
    });
    expect(moved.service?.deployments?.[0]?.id).not.toBe(service?.deployments?.[0]?.id);
    expect(moved.service?.networkConfiguration?.awsvpcConfiguration?.subnets).toEqual(["subnet-2"]);
  });

  it("merges deployment settings and replaces placement", async () => {
    await create({ deploymentConfiguration: { maximumPercent: 150 } });
    const { service } = await t.client.send(
      new UpdateServiceCommand({
        service: "web",
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
        placementConstraints: [{ type: "distinctInstance" }],
      }),
    );
    expect(service?.deploymentConfiguration).toEqual({
      deploymentCircuitBreaker: { enable: true, rollback: false },
      maximumPercent: 150,
      minimumHealthyPercent: 100,
    });
    expect(service?.placementConstraints).toEqual([{ type: "distinctInstance" }]);
    expect(service?.deployments).toHaveLength(1);
  });

  it("refuses unknown services, bad counts and inactive task definitions", async () => {
    await create();
    await expect(t.client.send(new UpdateServiceCommand({ service: "ghost" }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
    await expect(
      t.client.send(new UpdateServiceCommand({ service: "web", desiredCount: -1 })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      t.client.send(new UpdateServiceCommand({ service: "web", taskDefinition: "ghost" })),
    ).rejects.toBeInstanceOf(ClientException);
  });
});

describe("DeleteService", () => {
  it("refuses a scaled service unless forced, then drains it to INACTIVE", async () => {
    await create();
    const refused = await failure(t.client.send(new DeleteServiceCommand({ service: "web" })));
    expect(refused).toBeInstanceOf(InvalidParameterException);
    expect((refused as Error).message).toBe("The service cannot be stopped while it is scaled above 0.");

    const { service } = await t.client.send(new DeleteServiceCommand({ service: "web", force: true }));
    expect(service).toMatchObject({ status: "DRAINING", desiredCount: 0 });
    expect((await t.client.send(new ListServicesCommand({}))).serviceArns).toEqual([]);
    await eventually(async () => expect((await describeOne("web"))?.status).toBe("INACTIVE"));
    await expect(
      t.client.send(new UpdateServiceCommand({ service: "web", desiredCount: 1 })),
    ).rejects.toBeInstanceOf(ServiceNotActiveException);
    await expect(t.client.send(new DeleteServiceCommand({ service: "web" }))).rejects.toBeInstanceOf(
      ServiceNotActiveException,
    );

    // The name is free again, and the INACTIVE record is forgotten after a while.
    const recreated = await create({ desiredCount: 0 });
    expect(recreated.service?.status).toBe("ACTIVE");
    await t.client.send(new DeleteServiceCommand({ service: "web" }));
    await eventually(async () => {
      const { failures } = await t.client.send(new DescribeServicesCommand({ services: ["web"] }));
      expect(failures).toEqual([
        { arn: "arn:aws:ecs:us-east-1:123456789012:service/default/web", reason: "MISSING" },
      ]);
    });
    await expect(t.client.send(new DeleteServiceCommand({ service: "web" }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
  });
});

describe("DescribeServices", () => {
  it("describes up to 10, reports missing ones and shows tags only when asked", async () => {
    await create({ tags: [{ key: "ecsmesh:owner", value: "demo" }] });
    const arn = "arn:aws:ecs:us-east-1:123456789012:service/default/web";
    const { services, failures } = await t.client.send(
      new DescribeServicesCommand({ services: [arn, "ghost"], include: ["TAGS"] }),
    );
    expect(services?.map((s) => [s.serviceName, s.tags])).toEqual([
      ["web", [{ key: "ecsmesh:owner", value: "demo" }]],
    ]);
    expect(failures).toEqual([
      { arn: "arn:aws:ecs:us-east-1:123456789012:service/default/ghost", reason: "MISSING" },
    ]);

    const eleven = Array.from({ length: 11 }, (_, i) => `s${i}`);
    const error = await failure(t.client.send(new DescribeServicesCommand({ services: eleven })));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toBe("services can have at most 10 items.");
    await expect(
      t.client.send(new DescribeServicesCommand({ services: ["web"], cluster: "ghost" })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
  });
});

describe("ListServices", () => {
  it("pages 250 services as 100, 100 and 50, also through the SDK paginator", async () => {
    const names = Array.from({ length: 250 }, (_, i) => `svc-${String(i).padStart(3, "0")}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map((serviceName) => create({ serviceName, desiredCount: 0 })),
      );
    }
    const sizes: number[] = [];
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await t.client.send(new ListServicesCommand({ maxResults: 100, nextToken }));
      sizes.push(page.serviceArns?.length ?? 0);
      seen.push(...(page.serviceArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(sizes).toEqual([100, 100, 50]);
    expect(new Set(seen).size).toBe(250);

    const paginated: number[] = [];
    for await (const page of paginateListServices({ client: t.client, pageSize: 100 }, {})) {
      paginated.push(page.serviceArns?.length ?? 0);
    }
    expect(paginated).toEqual([100, 100, 50]);
    const firstPage = await t.client.send(new ListServicesCommand({}));
    expect(firstPage.serviceArns).toHaveLength(10);
    expect(firstPage.nextToken).toBeDefined();
  });

  it("filters by launch type and scheduling strategy and checks maxResults", async () => {
    await create();
    await create({ serviceName: "agent", schedulingStrategy: "DAEMON", desiredCount: undefined });
    const daemons = await t.client.send(new ListServicesCommand({ schedulingStrategy: "DAEMON" }));
    expect(daemons.serviceArns).toEqual(["arn:aws:ecs:us-east-1:123456789012:service/default/agent"]);
    expect((await t.client.send(new ListServicesCommand({ launchType: "FARGATE" }))).serviceArns).toEqual([]);
    expect((await describeOne("agent"))?.desiredCount).toBe(3);
    for (const maxResults of [0, 101]) {
      await expect(t.client.send(new ListServicesCommand({ maxResults }))).rejects.toBeInstanceOf(
        InvalidParameterException,
      );
    }
    await expect(t.client.send(new ListServicesCommand({ nextToken: "garbage" }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });
});
