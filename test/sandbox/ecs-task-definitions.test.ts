import {
  ClientException,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  InvalidParameterException,
  ListTaskDefinitionsCommand,
  paginateListTaskDefinitions,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { ecsPerTest, eventually } from "./support.js";

const t = ecsPerTest();

const register = (input: RegisterTaskDefinitionCommandInput) =>
  t.client.send(new RegisterTaskDefinitionCommand(input));
const describeTd = (taskDefinition: string, include?: "TAGS"[]) =>
  t.client.send(new DescribeTaskDefinitionCommand({ taskDefinition, ...(include ? { include } : {}) }));
const container = (extra: object = {}) => ({ name: "app", image: "example/app:1", memory: 64, ...extra });

describe("RegisterTaskDefinition", () => {
  it("stores what was sent plus ECS's defaults, in a new revision every time", async () => {
    const input: RegisterTaskDefinitionCommandInput = {
      family: "hello",
      containerDefinitions: [
        container({
          portMappings: [{ containerPort: 7777 }, { containerPort: 9990, hostPort: 9990, protocol: "udp" }],
        }),
      ],
      executionRoleArn: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
      tags: [{ key: "team", value: "mesh" }],
    };
    const first = await register(input);
    const second = await register(input);
    expect(first.taskDefinition?.taskDefinitionArn).toBe(
      "arn:aws:ecs:us-east-1:123456789012:task-definition/hello:1",
    );
    expect(second.taskDefinition?.revision).toBe(2);
    expect(first.tags).toEqual([{ key: "team", value: "mesh" }]);
    expect(first.taskDefinition).toEqual({
      taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/hello:1",
      family: "hello",
      revision: 1,
      status: "ACTIVE",
      executionRoleArn: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
      containerDefinitions: [
        {
          name: "app",
          image: "example/app:1",
          memory: 64,
          cpu: 0,
          essential: true,
          portMappings: [
            { containerPort: 7777, hostPort: 0, protocol: "tcp" },
            { containerPort: 9990, hostPort: 9990, protocol: "udp" },
          ],
          environment: [],
          mountPoints: [],
          volumesFrom: [],
        },
      ],
      volumes: [],
      placementConstraints: [],
      compatibilities: ["EC2", "EXTERNAL"],
      registeredAt: expect.any(Date),
    });
  });

  it("fills host ports with the container port under awsvpc and host, and knows Fargate", async () => {
    const awsvpc = await register({
      family: "vpc",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
      containerDefinitions: [
        { name: "app", image: "i", essential: false, portMappings: [{ containerPort: 8080 }] },
        container({ name: "side" }),
      ],
    });
    expect(awsvpc.taskDefinition?.containerDefinitions?.[0]).toMatchObject({
      essential: false,
      portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: "tcp" }],
    });
    expect(awsvpc.taskDefinition?.compatibilities).toEqual(["EC2", "FARGATE"]);
    expect(awsvpc.taskDefinition?.requiresCompatibilities).toEqual(["FARGATE"]);
    const host = await register({
      family: "host",
      networkMode: "host",
      containerDefinitions: [container({ portMappings: [{ containerPort: 4140 }] })],
    });
    expect(host.taskDefinition?.containerDefinitions?.[0]?.portMappings).toEqual([
      { containerPort: 4140, hostPort: 4140, protocol: "tcp" },
    ]);
  });

  it.each([
    ["no containers", { family: "x", containerDefinitions: [] }, "Container list cannot be empty."],
    [
      "no image",
      { family: "x", containerDefinitions: [{ name: "a", memory: 8 }] },
      "Container.image should not be null or empty.",
    ],
    [
      "no name",
      { family: "x", containerDefinitions: [{ image: "i", memory: 8 }] },
      "Container.name should not be null or empty.",
    ],
    [
      "no memory",
      { family: "x", containerDefinitions: [{ name: "a", image: "i" }] },
      "Invalid setting for container 'a'. At least one of 'memory' or 'memoryReservation' must be specified.",
    ],
    [
      "awsvpc port clash",
      {
        family: "x",
        networkMode: "awsvpc",
        containerDefinitions: [container({ portMappings: [{ containerPort: 80, hostPort: 81 }] })],
      },
      "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
    ],
    [
      "Fargate on bridge",
      { family: "x", requiresCompatibilities: ["FARGATE"], containerDefinitions: [container()] },
      "Fargate only supports network mode 'awsvpc'.",
    ],
    ["a bad family", { family: "no spaces", containerDefinitions: [container()] }, /Family names/],
    [
      "no essential container",
      { family: "x", containerDefinitions: [container({ essential: false })] },
      "A task definition must have at least one essential container.",
    ],
    ["no family", { containerDefinitions: [container()] }, "Family must be specified."],
  ])("refuses %s with ClientException", async (_case, input, message) => {
    const error = await register(input as RegisterTaskDefinitionCommandInput).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientException);
    expect((error as Error).message).toMatch(message);
    t.requestIssues.length = 0;
  });

  it("refuses values outside the model's enums with InvalidParameterException", async () => {
    const input = { family: "x", networkMode: "overlay", containerDefinitions: [container()] };
    await expect(register(input as unknown as RegisterTaskDefinitionCommandInput)).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    t.requestIssues.length = 0;
  });
});

describe("DescribeTaskDefinition and DeregisterTaskDefinition", () => {
  it("resolve ARNs, family:revision and family (the latest ACTIVE revision)", async () => {
    await register({ family: "web", containerDefinitions: [container()], tags: [{ key: "a", value: "1" }] });
    await register({ family: "web", containerDefinitions: [container({ image: "example/app:2" })] });
    expect((await describeTd("web")).taskDefinition?.revision).toBe(2);
    expect((await describeTd("web:1")).taskDefinition?.revision).toBe(1);
    const byArn = await describeTd("arn:aws:ecs:us-east-1:123456789012:task-definition/web:1", ["TAGS"]);
    expect(byArn.taskDefinition?.containerDefinitions?.[0]?.image).toBe("example/app:1");
    expect(byArn.tags).toEqual([{ key: "a", value: "1" }]);
    expect((await describeTd("web:1")).tags).toBeUndefined();

    const deregistered = await t.client.send(
      new DeregisterTaskDefinitionCommand({ taskDefinition: "web:2" }),
    );
    expect(deregistered.taskDefinition).toMatchObject({
      status: "INACTIVE",
      deregisteredAt: expect.any(Date),
    });
    expect((await describeTd("web")).taskDefinition?.revision).toBe(1);
    expect((await describeTd("web:2")).taskDefinition?.status).toBe("INACTIVE");
  });

  it("fail with ClientException for what does not exist", async () => {
    for (const reference of [
      "ghost",
      "ghost:1",
      "arn:aws:ecs:us-east-1:123456789012:task-definition/ghost:1",
      "a:b:c",
    ]) {
      const error = await describeTd(reference).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClientException);
      expect((error as Error).message).toBe("Unable to describe task definition.");
    }
    await register({ family: "web", containerDefinitions: [container()] });
    await expect(
      t.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "web" })),
    ).rejects.toBeInstanceOf(ClientException);
    await expect(
      t.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "web:9" })),
    ).rejects.toBeInstanceOf(ClientException);
  });
});

describe("DeleteTaskDefinitions", () => {
  const deleteTds = (...taskDefinitions: string[]) =>
    t.client.send(new DeleteTaskDefinitionsCommand({ taskDefinitions }));
  const describeError = (reference: string) =>
    describeTd(reference).then(
      () => "described",
      (error: Error) => error.message,
    );

  it("deletes INACTIVE revisions only; an unused one is gone, its number never reused", async () => {
    await register({ family: "web", containerDefinitions: [container()] });
    await register({ family: "web", containerDefinitions: [container()] });
    await t.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "web:1" }));
    const out = await deleteTds("web:1", "web:2", "web:7");
    expect(out.taskDefinitions?.map((td) => [td.revision, td.status])).toEqual([[1, "DELETE_IN_PROGRESS"]]);
    expect(out.failures?.map((f) => f.reason)).toEqual([
      "The specified task definition is still in ACTIVE status. Please deregister the target and try again.",
      "The specified task definition does not exist.",
    ]);
    expect(await describeError("web:1")).toBe("Unable to describe task definition.");
    expect((await describeTd("web:2")).taskDefinition?.status).toBe("ACTIVE");
    const next = await register({ family: "web", containerDefinitions: [container()] });
    expect(next.taskDefinition?.revision).toBe(3);
  });

  it("keeps a revision a service still uses DELETE_IN_PROGRESS until the service is gone", async () => {
    await register({ family: "web", containerDefinitions: [container()] });
    await t.client.send(
      new CreateServiceCommand({
        cluster: "default",
        serviceName: "web",
        taskDefinition: "web:1",
        desiredCount: 1,
      }),
    );
    await t.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "web:1" }));
    await deleteTds("web:1");
    expect((await describeTd("web:1")).taskDefinition?.status).toBe("DELETE_IN_PROGRESS");
    const listed = await t.client.send(new ListTaskDefinitionsCommand({ status: "DELETE_IN_PROGRESS" }));
    expect(listed.taskDefinitionArns).toHaveLength(1);

    await t.client.send(new DeleteServiceCommand({ cluster: "default", service: "web", force: true }));
    await eventually(async () =>
      expect(await describeError("web:1")).toBe("Unable to describe task definition."),
    );
  });
});

describe("ListTaskDefinitions", () => {
  it("lists ACTIVE revisions by family and revision, filtered, sorted and paginated", async () => {
    for (const family of ["b", "a", "b", "a", "c"])
      await register({ family, containerDefinitions: [container()] });
    await t.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "c:1" }));
    const names = (arns: string[] | undefined) =>
      (arns ?? []).map((arn) => arn.slice(arn.lastIndexOf("/") + 1));
    const all = await t.client.send(new ListTaskDefinitionsCommand({}));
    expect(names(all.taskDefinitionArns)).toEqual(["a:1", "a:2", "b:1", "b:2"]);
    const desc = await t.client.send(new ListTaskDefinitionsCommand({ sort: "DESC", familyPrefix: "b" }));
    expect(names(desc.taskDefinitionArns)).toEqual(["b:2", "b:1"]);
    const inactive = await t.client.send(new ListTaskDefinitionsCommand({ status: "INACTIVE" }));
    expect(names(inactive.taskDefinitionArns)).toEqual(["c:1"]);
    const pages: string[][] = [];
    for await (const page of paginateListTaskDefinitions({ client: t.client, pageSize: 3 }, {})) {
      pages.push(names(page.taskDefinitionArns));
    }
    expect(pages).toEqual([["a:1", "a:2", "b:1"], ["b:2"]]);
  });
});
