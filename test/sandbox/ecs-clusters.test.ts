import {
  ClusterNotFoundException,
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  InvalidParameterException,
  ListContainerInstancesCommand,
  ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { ecsContract, onlyWithBotocore } from "./contracts.js";
import { ecsPerTest, eventually } from "./support.js";

const t = ecsPerTest();

describe("clusters", () => {
  it("creates clusters idempotently and describes them, `default` when none is named", async () => {
    const created = await t.client.send(
      new CreateClusterCommand({ clusterName: "l5d-demo", tags: [{ key: "team", value: "mesh" }] }),
    );
    expect(created.cluster).toMatchObject({
      clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/l5d-demo",
      clusterName: "l5d-demo",
      status: "ACTIVE",
      registeredContainerInstancesCount: 3,
      activeServicesCount: 0,
      tags: [{ key: "team", value: "mesh" }],
    });
    const again = await t.client.send(new CreateClusterCommand({ clusterName: "l5d-demo" }));
    expect(again.cluster?.clusterArn).toBe(created.cluster?.clusterArn);

    const described = await t.client.send(new DescribeClustersCommand({}));
    expect(described.clusters?.map((c) => c.clusterName)).toEqual(["default"]);
    const mixed = await t.client.send(
      new DescribeClustersCommand({
        clusters: [created.cluster?.clusterArn ?? "", "ghost"],
        include: ["TAGS"],
      }),
    );
    expect(mixed.clusters?.[0]?.tags).toEqual([{ key: "team", value: "mesh" }]);
    expect(mixed.failures).toEqual([
      { arn: "arn:aws:ecs:us-east-1:123456789012:cluster/ghost", reason: "MISSING" },
    ]);
  });

  it("counts services and tasks", async () => {
    await t.client.send(
      new RegisterTaskDefinitionCommand({
        family: "a",
        containerDefinitions: [{ name: "a", image: "a", memory: 8 }],
      }),
    );
    await t.client.send(new CreateServiceCommand({ serviceName: "a", taskDefinition: "a", desiredCount: 2 }));
    await eventually(async () => {
      const { clusters } = await t.client.send(new DescribeClustersCommand({ clusters: ["default"] }));
      expect(clusters?.[0]).toMatchObject({
        activeServicesCount: 1,
        runningTasksCount: 2,
        pendingTasksCount: 0,
      });
    });
  });

  it("refuses unknown clusters and invalid names", async () => {
    await expect(
      t.client.send(new ListContainerInstancesCommand({ cluster: "ghost" })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
    await expect(
      t.client.send(new CreateClusterCommand({ clusterName: "no spaces" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe("container instances", () => {
  it("lists and describes the simulated EC2 instances, one per Availability Zone", async () => {
    const { containerInstanceArns = [] } = await t.client.send(new ListContainerInstancesCommand({}));
    expect(containerInstanceArns).toHaveLength(3);
    const { containerInstances = [], failures } = await t.client.send(
      new DescribeContainerInstancesCommand({ containerInstances: [...containerInstanceArns, "0123abcd"] }),
    );
    expect(failures).toEqual([{ arn: "0123abcd", reason: "MISSING" }]);
    const zones = containerInstances.map(
      (instance) => instance.attributes?.find((a) => a.name === "ecs.availability-zone")?.value,
    );
    expect(zones).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    for (const instance of containerInstances) {
      expect(instance.ec2InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
      expect(instance).toMatchObject({ status: "ACTIVE", agentConnected: true, runningTasksCount: 0 });
    }
    const records = t.server.ecs.state.clusters.get("default")?.instances ?? [];
    expect(records.map((r) => r.ec2InstanceId)).toEqual(containerInstances.map((i) => i.ec2InstanceId));
    expect(new Set(records.map((r) => r.privateIp)).size).toBe(3);
    for (const record of records) expect(record.privateIp).toMatch(/^10\.\d+\.\d+\.\d+$/);

    const byId = await t.client.send(
      new DescribeContainerInstancesCommand({
        containerInstances: [records[0]?.id ?? ""],
        include: ["TAGS"],
      }),
    );
    expect(byId.containerInstances?.[0]?.tags).toEqual([]);
    const paged = await t.client.send(new ListContainerInstancesCommand({ maxResults: 2 }));
    expect(paged.containerInstanceArns).toHaveLength(2);
    expect(paged.nextToken).toBeDefined();
  });

  it("refuses empty and oversized batches", async () => {
    await expect(
      t.client.send(new DescribeContainerInstancesCommand({ containerInstances: [] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const tooMany = Array.from({ length: 101 }, (_, i) => `id${i}`);
    await expect(
      t.client.send(new DescribeContainerInstancesCommand({ containerInstances: tooMany })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe("tags", () => {
  it("tags, untags and lists tags of clusters, services and task definitions", async () => {
    const { taskDefinition } = await t.client.send(
      new RegisterTaskDefinitionCommand({
        family: "a",
        containerDefinitions: [{ name: "a", image: "a", memory: 8 }],
      }),
    );
    const { service } = await t.client.send(
      new CreateServiceCommand({
        serviceName: "a",
        taskDefinition: "a",
        desiredCount: 0,
        tags: [{ key: "x", value: "1" }],
      }),
    );
    const arns = [
      "arn:aws:ecs:us-east-1:123456789012:cluster/default",
      service?.serviceArn ?? "",
      taskDefinition?.taskDefinitionArn ?? "",
    ];
    for (const resourceArn of arns) {
      await t.client.send(
        new TagResourceCommand({
          resourceArn,
          tags: [
            { key: "x", value: "2" },
            { key: "ecsmesh:owner", value: "demo" },
          ],
        }),
      );
      await t.client.send(new UntagResourceCommand({ resourceArn, tagKeys: ["x", "absent"] }));
      const { tags } = await t.client.send(new ListTagsForResourceCommand({ resourceArn }));
      expect(tags).toEqual([{ key: "ecsmesh:owner", value: "demo" }]);
    }
  });

  it("refuses unknown resources, bad ARNs, reserved keys and too many tags", async () => {
    const ghost = "arn:aws:ecs:us-east-1:123456789012:service/default/ghost";
    await expect(
      t.client.send(new TagResourceCommand({ resourceArn: ghost, tags: [{ key: "a", value: "b" }] })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      t.client.send(new ListTagsForResourceCommand({ resourceArn: ghost })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      t.client.send(new ListTagsForResourceCommand({ resourceArn: "not-an-arn" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/default";
    for (const tag of [
      { key: "aws:owner", value: "x" },
      { key: "semi;colon", value: "x" },
    ]) {
      await expect(
        t.client.send(new TagResourceCommand({ resourceArn: cluster, tags: [tag] })),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    }
    expect(t.requestIssues).toEqual(
      onlyWithBotocore(
        ecsContract,
        expect.stringMatching(/TagResource request \$\.tags\[0\]\.key: "semi;colon" does not match/),
      ),
    );
    t.requestIssues.length = 0;
    const many = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    await t.client.send(new TagResourceCommand({ resourceArn: cluster, tags: many }));
    const more = Array.from({ length: 30 }, (_, i) => ({ key: `m${i}`, value: "v" }));
    await expect(
      t.client.send(new TagResourceCommand({ resourceArn: cluster, tags: more })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    expect((await t.client.send(new ListTagsForResourceCommand({ resourceArn: cluster }))).tags).toHaveLength(
      30,
    );
  });
});
