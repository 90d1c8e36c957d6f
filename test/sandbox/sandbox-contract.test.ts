/**
 * Every operation the local ECS and Cloud Map serve, called once through the real SDK client, answers
 * within the contract of the SDK's schemas: a broken sandbox response fails here (and in every other
 * sandbox test that calls the operation).
 */

import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import * as cloudMap from "@aws-sdk/client-servicediscovery";
import { describe, expect, it } from "vitest";
import type { AwsContract } from "../../src/sandbox/aws-contract.js";
import type { CallCounter } from "../../src/sandbox/call-counter.js";
import { cloudMapStartedByEachTest, httpNamespace, register, service, settled } from "./cloudmap/support.js";
import { cloudMapContract, ecsContract } from "./contracts.js";
import { ecsStartedByEachTest, eventually, registerApp } from "./support.js";

const startEcs = ecsStartedByEachTest();
const startCloudMap = cloudMapStartedByEachTest();

describe("the local ECS", () => {
  it("answers every operation it serves within the contract", async () => {
    const t = await startEcs();
    const { client } = t;
    await client.send(new CreateClusterCommand({ clusterName: "mesh" }));
    await client.send(new DescribeClustersCommand({ clusters: ["mesh", "default"], include: ["TAGS"] }));
    const taskDefinition = await registerApp(client, "web", { hostPort: 8080 });
    await client.send(new ListTaskDefinitionsCommand({}));
    await client.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ["TAGS"] }));
    const created = await client.send(
      new CreateServiceCommand({
        serviceName: "web",
        taskDefinition,
        desiredCount: 1,
        tags: [{ key: "team", value: "mesh" }],
      }),
    );
    const taskArns = await eventually(async () => {
      const { taskArns: arns = [] } = await client.send(new ListTasksCommand({ serviceName: "web" }));
      expect(arns).toHaveLength(1);
      return arns;
    });
    await client.send(new DescribeTasksCommand({ tasks: taskArns, include: ["TAGS"] }));
    const { containerInstanceArns } = await client.send(new ListContainerInstancesCommand({}));
    await client.send(new DescribeContainerInstancesCommand({ containerInstances: containerInstanceArns }));
    await client.send(new UpdateServiceCommand({ service: "web", desiredCount: 2 }));
    await client.send(new DescribeServicesCommand({ services: ["web", "ghost"], include: ["TAGS"] }));
    await client.send(new ListServicesCommand({}));
    const resourceArn = created.service?.serviceArn;
    await client.send(new TagResourceCommand({ resourceArn, tags: [{ key: "tier", value: "front" }] }));
    await client.send(new ListTagsForResourceCommand({ resourceArn }));
    await client.send(new UntagResourceCommand({ resourceArn, tagKeys: ["tier"] }));
    await client.send(new DeleteServiceCommand({ service: "web", force: true }));
    await client.send(new DeregisterTaskDefinitionCommand({ taskDefinition }));
    await expect(client.send(new ListServicesCommand({ cluster: "ghost" }))).rejects.toThrow();

    expectServedWithinContract(t.server.calls, ecsContract, 18, t.responseIssues);
    expect(t.checked).toBe(t.server.calls.total());
  });
});

describe("the local Cloud Map", () => {
  it("answers every operation it serves within the contract", async () => {
    const t = await startCloudMap();
    const { client } = t;
    const namespaceId = await httpNamespace(client, "mesh.local");
    const { OperationId } = await client.send(
      new cloudMap.CreatePrivateDnsNamespaceCommand({ Name: "mesh.internal", Vpc: "vpc-1" }),
    );
    const privateId = (await settled(client, OperationId)).Targets?.NAMESPACE;
    await client.send(new cloudMap.GetNamespaceCommand({ Id: namespaceId }));
    await client.send(new cloudMap.ListNamespacesCommand({}));
    const serviceId = await service(client, namespaceId, "web", { Tags: [{ Key: "team", Value: "mesh" }] });
    await client.send(new cloudMap.GetServiceCommand({ Id: serviceId }));
    await client.send(new cloudMap.ListServicesCommand({}));
    const dnsServiceId = await service(client, privateId ?? "", "dns", {
      DnsConfig: { DnsRecords: [{ Type: "A", TTL: 60 }] },
    });
    const update = await client.send(
      new cloudMap.UpdateServiceCommand({ Id: dnsServiceId, Service: { Description: "resolved by DNS" } }),
    );
    await settled(client, update.OperationId);
    await register(client, serviceId, "task-1");
    await client.send(new cloudMap.GetInstanceCommand({ ServiceId: serviceId, InstanceId: "task-1" }));
    await client.send(new cloudMap.ListInstancesCommand({ ServiceId: serviceId }));
    await client.send(
      new cloudMap.DiscoverInstancesCommand({ NamespaceName: "mesh.local", ServiceName: "web" }),
    );
    await client.send(new cloudMap.ListOperationsCommand({}));
    const { Service } = await client.send(new cloudMap.GetServiceCommand({ Id: serviceId }));
    const ResourceARN = Service?.Arn;
    await client.send(
      new cloudMap.TagResourceCommand({ ResourceARN, Tags: [{ Key: "tier", Value: "front" }] }),
    );
    await client.send(new cloudMap.ListTagsForResourceCommand({ ResourceARN }));
    await client.send(new cloudMap.UntagResourceCommand({ ResourceARN, TagKeys: ["tier"] }));
    const deregistered = await client.send(
      new cloudMap.DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: "task-1" }),
    );
    await settled(client, deregistered.OperationId);
    await client.send(new cloudMap.DeleteServiceCommand({ Id: serviceId }));
    await client.send(new cloudMap.DeleteServiceCommand({ Id: dnsServiceId }));
    const deleted = await client.send(new cloudMap.DeleteNamespaceCommand({ Id: privateId }));
    await settled(client, deleted.OperationId);
    await expect(client.send(new cloudMap.GetServiceCommand({ Id: "srv-ghost" }))).rejects.toThrow();

    expectServedWithinContract(t.server.calls, cloudMapContract, 20, t.responseIssues);
  });
});

/** All of the server's operations were called, all are in the contract, and no response broke it. */
function expectServedWithinContract(
  calls: CallCounter,
  contract: AwsContract,
  operationCount: number,
  responseIssues: readonly string[],
): void {
  const served = Object.keys(calls.snapshot());
  expect(served).toHaveLength(operationCount);
  expect(served.filter((operation) => !contract.hasOperation(operation))).toEqual([]);
  expect(responseIssues).toEqual([]);
}
