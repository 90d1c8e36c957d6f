import type { AwsJsonHandler } from "../aws-json-server.js";
import { ecsArn, shortName } from "./arns.js";
import { invalidParameter, oneOf } from "./errors.js";
import { newEc2InstanceId, newResourceId } from "./ids.js";
import { NumberPool } from "./number-pool.js";
import { paginate } from "./pagination.js";
import { resolveCluster } from "./resolve.js";
import type { ClusterRecord, ContainerInstanceRecord, EcsState } from "./state.js";

const ZONES = ["a", "b", "c"];
/** Ports the ECS agent reserves on every instance (SSH, Docker, the agent). */
const RESERVED_PORTS = [22, 2375, 2376, 51678, 51679];
/** The default ephemeral range ECS hands dynamic host ports from. */
const DYNAMIC_PORTS = { min: 32768, max: 60999 };
const INSTANCE = { type: "m5.large", cpu: 2048, memory: 7680 };

/** Registers `count` EC2 container instances, spread over three Availability Zones. */
export function addContainerInstances(state: EcsState, cluster: ClusterRecord, count: number): void {
  for (let i = 0; i < count; i += 1) {
    const n = state.instanceCount++;
    const id = newResourceId();
    const ports = new NumberPool(DYNAMIC_PORTS.min, DYNAMIC_PORTS.max);
    for (const port of RESERVED_PORTS) ports.reserve(port);
    cluster.instances.push({
      arn: ecsArn(state, "container-instance", `${cluster.name}/${id}`),
      id,
      ec2InstanceId: newEc2InstanceId(),
      privateIp: `10.0.${Math.floor(n / 250)}.${(n % 250) + 4}`,
      availabilityZone: `${state.region}${ZONES[n % ZONES.length]}`,
      registeredAt: new Date(),
      ports,
      tasks: new Set(),
      tags: [],
    });
  }
}

function containerInstanceView(
  instance: ContainerInstanceRecord,
  includeTags: boolean,
): Record<string, unknown> {
  let cpu = 0;
  let memory = 0;
  let running = 0;
  for (const task of instance.tasks) {
    if (task.lastStatus === "RUNNING") running += 1;
    for (const container of task.taskDefinition.containers) {
      cpu += container.cpu;
      memory += container.memory;
    }
  }
  const resources = (usedCpu: number, usedMemory: number) => [
    { name: "CPU", type: "INTEGER", integerValue: INSTANCE.cpu - usedCpu },
    { name: "MEMORY", type: "INTEGER", integerValue: INSTANCE.memory - usedMemory },
    { name: "PORTS", type: "STRINGSET", stringSetValue: RESERVED_PORTS.map(String) },
    { name: "PORTS_UDP", type: "STRINGSET", stringSetValue: [] },
  ];
  return {
    containerInstanceArn: instance.arn,
    ec2InstanceId: instance.ec2InstanceId,
    version: 1,
    versionInfo: { agentVersion: "1.89.0", agentHash: "sandbox", dockerVersion: "DockerVersion: 25.0.8" },
    registeredResources: resources(0, 0),
    remainingResources: resources(cpu, memory),
    status: "ACTIVE",
    agentConnected: true,
    runningTasksCount: running,
    pendingTasksCount: instance.tasks.size - running,
    attributes: [
      { name: "ecs.availability-zone", value: instance.availabilityZone },
      { name: "ecs.instance-type", value: INSTANCE.type },
      { name: "ecs.os-type", value: "linux" },
      { name: "ecs.cpu-architecture", value: "x86_64" },
      { name: "ecs.capability.task-eni" },
    ],
    registeredAt: instance.registeredAt,
    attachments: [],
    ...(includeTags ? { tags: instance.tags } : {}),
  };
}

export function containerInstanceOperations(state: EcsState): Record<string, AwsJsonHandler> {
  return {
    /** ListContainerInstances: the cluster's ACTIVE instances (no cluster query language filters). */
    ListContainerInstances: (input) => {
      const cluster = resolveCluster(state, input.string("cluster"));
      if (input.has("filter")) {
        throw invalidParameter("The sandbox does not evaluate cluster query language filters.");
      }
      const status = oneOf(
        input.string("status") ?? "ACTIVE",
        ["ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"],
        "status",
      );
      const page = paginate(status === "ACTIVE" ? cluster.instances : [], input, 100);
      return { containerInstanceArns: page.items.map((instance) => instance.arn), nextToken: page.nextToken };
    },
    /** DescribeContainerInstances: up to 100 by ARN or id; unknown ones come back as MISSING failures. */
    DescribeContainerInstances: (input) => {
      const cluster = resolveCluster(state, input.string("cluster"));
      const wanted = input.strings("containerInstances") ?? [];
      if (wanted.length === 0) throw invalidParameter("containerInstances can not be empty.");
      if (wanted.length > 100) throw invalidParameter("containerInstances can have at most 100 items.");
      const include = (input.strings("include") ?? []).map((field) =>
        oneOf(field, ["TAGS", "CONTAINER_INSTANCE_HEALTH"], "include"),
      );
      const containerInstances: Record<string, unknown>[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const identifier of wanted) {
        const instance = cluster.instances.find((candidate) => candidate.id === shortName(identifier));
        if (instance === undefined) failures.push({ arn: identifier, reason: "MISSING" });
        else containerInstances.push(containerInstanceView(instance, include.includes("TAGS")));
      }
      return { containerInstances, failures };
    },
  };
}
