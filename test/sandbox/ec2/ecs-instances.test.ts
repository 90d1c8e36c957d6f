import { DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import {
  CreateServiceCommand,
  DescribeContainerInstancesCommand,
  DescribeTasksCommand,
  ListContainerInstancesCommand,
  ListTasksCommand,
} from "@aws-sdk/client-ecs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instancesOf } from "../../../src/sandbox/ec2/ecs-instances.js";
import { closeChecked, eventually, registerApp, startTestEcs, type TestEcs } from "../support.js";
import { startTestEc2, type TestEc2 } from "./support.js";

let ecs: TestEcs;
let ec2: TestEc2;
beforeEach(async () => {
  ecs = await startTestEcs({ clusters: ["default", "batch"] });
  const { state } = ecs.server.ecs;
  ec2 = await startTestEc2({
    instances: instancesOf(state),
    region: state.region,
    accountId: state.accountId,
  });
});
afterEach(async () => {
  await ec2.close();
  await closeChecked(ecs);
});

/** The EC2 instances with these ids, by id. */
async function ec2Instances(ids: string[]): Promise<Map<string, Instance>> {
  const { Reservations = [] } = await ec2.client.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  const instances = Reservations.flatMap((reservation) => reservation.Instances ?? []);
  return new Map(instances.map((instance) => [instance.InstanceId ?? "", instance]));
}

/** What ECS reports about a cluster's container instances (it does not report their addresses). */
async function containerInstances(cluster: string) {
  const { containerInstanceArns = [] } = await ecs.client.send(
    new ListContainerInstancesCommand({ cluster }),
  );
  const { containerInstances = [] } = await ecs.client.send(
    new DescribeContainerInstancesCommand({ cluster, containerInstances: containerInstanceArns }),
  );
  return containerInstances;
}

describe("instancesOf an ECS simulation", () => {
  it("gives every container instance's EC2 instance the simulation's address, zone and type", async () => {
    const { state } = ecs.server.ecs;
    for (const cluster of ["default", "batch"]) {
      const reported = await containerInstances(cluster);
      expect(reported).toHaveLength(3);
      const found = await ec2Instances(reported.map((instance) => instance.ec2InstanceId ?? ""));
      for (const containerInstance of reported) {
        const record = state.clusters
          .get(cluster)
          ?.instances.find((instance) => instance.arn === containerInstance.containerInstanceArn);
        const attribute = (name: string) =>
          containerInstance.attributes?.find((candidate) => candidate.name === name)?.value;
        expect(found.get(containerInstance.ec2InstanceId ?? "")).toMatchObject({
          State: { Code: 16, Name: "running" },
          PrivateIpAddress: record?.privateIp,
          Placement: { AvailabilityZone: attribute("ecs.availability-zone") },
          InstanceType: attribute("ecs.instance-type"),
          LaunchTime: containerInstance.registeredAt,
          Tags: [{ Key: "Name", Value: `ECS Instance - EC2ContainerService-${cluster}` }],
        });
      }
    }
  });

  it("leads from a bridge-mode task to its host's address and port", async () => {
    await registerApp(ecs.client, "web");
    await ecs.client.send(
      new CreateServiceCommand({ serviceName: "web", taskDefinition: "web", desiredCount: 2 }),
    );
    const tasks = await eventually(async () => {
      const { taskArns = [] } = await ecs.client.send(new ListTasksCommand({ serviceName: "web" }));
      const { tasks = [] } = await ecs.client.send(new DescribeTasksCommand({ tasks: taskArns }));
      expect(tasks.map((task) => task.lastStatus)).toEqual(["RUNNING", "RUNNING"]);
      return tasks;
    });
    const { containerInstances = [] } = await ecs.client.send(
      new DescribeContainerInstancesCommand({
        containerInstances: tasks.map((task) => task.containerInstanceArn ?? ""),
      }),
    );
    const hosts = await ec2Instances(containerInstances.map((instance) => instance.ec2InstanceId ?? ""));
    const records = ecs.server.ecs.state.clusters.get("default")?.instances ?? [];
    for (const task of tasks) {
      const containerInstance = containerInstances.find(
        (instance) => instance.containerInstanceArn === task.containerInstanceArn,
      );
      const host = hosts.get(containerInstance?.ec2InstanceId ?? "");
      const record = records.find((instance) => instance.arn === task.containerInstanceArn);
      expect(host?.PrivateIpAddress).toBe(record?.privateIp);
      expect(host?.Placement?.AvailabilityZone).toBe(task.availabilityZone);
      expect(task.containers?.[0]?.networkBindings?.[0]?.hostPort).toBeGreaterThanOrEqual(32768);
    }
  });

  it("tells one cluster's instances from another's by their Name tag", async () => {
    const { Reservations = [] } = await ec2.client.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: "tag:Name", Values: ["ECS Instance - EC2ContainerService-batch"] }],
      }),
    );
    const batch = (await containerInstances("batch")).map((instance) => instance.ec2InstanceId);
    expect(Reservations.map((reservation) => reservation.Instances?.[0]?.InstanceId).sort()).toEqual(
      batch.sort(),
    );
  });
});
