import type { AwsJsonHandler } from "../aws-json-server.js";
import { shortName } from "./arns.js";
import { invalidParameter, oneOf } from "./errors.js";
import { paginate } from "./pagination.js";
import { resolveCluster, resolveService } from "./resolve.js";
import { type EcsState, LAUNCH_TYPE_VALUES, type TaskRecord } from "./state.js";

const DESIRED_STATUSES = ["RUNNING", "PENDING", "STOPPED"] as const;

/** A task as DescribeTasks shows it: host ports once RUNNING under bridge / host, an ENI under awsvpc. */
function taskView(state: EcsState, task: TaskRecord, includeTags: boolean): Record<string, unknown> {
  const { taskDefinition, eni } = task;
  const definition = taskDefinition.definition;
  const zoneDomain = state.region === "us-east-1" ? "ec2.internal" : `${state.region}.compute.internal`;
  const attachments =
    eni === undefined
      ? []
      : [
          {
            id: eni.attachmentId,
            type: "ElasticNetworkInterface",
            status: { PENDING: "PRECREATED", RUNNING: "ATTACHED", STOPPED: "DELETED" }[task.lastStatus],
            details: [
              { name: "subnetId", value: eni.subnetId },
              { name: "networkInterfaceId", value: eni.id },
              { name: "macAddress", value: eni.macAddress },
              { name: "privateDnsName", value: `ip-${eni.address.replaceAll(".", "-")}.${zoneDomain}` },
              { name: "privateIPv4Address", value: eni.address },
            ],
          },
        ];
  const containers = taskDefinition.containers.map((container, index) => ({
    containerArn: task.containerArns[index],
    taskArn: task.arn,
    name: container.name,
    image: container.image,
    lastStatus: task.lastStatus,
    ...(task.lastStatus === "STOPPED" ? { exitCode: task.failedContainer === container.name ? 1 : 0 } : {}),
    networkBindings:
      task.lastStatus === "RUNNING"
        ? task.bindings
            .filter((binding) => binding.containerName === container.name)
            .map(({ containerPort, hostPort, protocol }) => ({
              bindIP: "0.0.0.0",
              containerPort,
              hostPort,
              protocol,
            }))
        : [],
    networkInterfaces:
      eni === undefined ? [] : [{ attachmentId: eni.attachmentId, privateIpv4Address: eni.address }],
    healthStatus: "UNKNOWN",
    cpu: String(container.cpu),
  }));
  return {
    attachments,
    attributes: [{ name: "ecs.cpu-architecture", value: "x86_64" }],
    availabilityZone: task.availabilityZone,
    clusterArn: task.cluster.arn,
    ...(task.instance === undefined ? {} : { containerInstanceArn: task.instance.arn }),
    containers,
    ...(typeof definition.cpu === "string" ? { cpu: definition.cpu } : {}),
    ...(typeof definition.memory === "string" ? { memory: definition.memory } : {}),
    createdAt: task.createdAt,
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: task.service.settings.enableExecuteCommand,
    group: `service:${task.service.name}`,
    healthStatus: "UNKNOWN",
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    overrides: { containerOverrides: taskDefinition.containers.map(({ name }) => ({ name })) },
    ...(task.service.platformVersion === undefined ? {} : { platformVersion: "1.4.0" }),
    startedBy: task.deployment.id,
    ...(task.startedAt === undefined
      ? {}
      : {
          connectivity: "CONNECTED",
          connectivityAt: task.createdAt,
          pullStartedAt: task.createdAt,
          pullStoppedAt: task.startedAt,
          startedAt: task.startedAt,
        }),
    ...(task.stoppingAt === undefined ? {} : { stoppingAt: task.stoppingAt }),
    ...(task.stoppedAt === undefined
      ? {}
      : { stoppedAt: task.stoppedAt, executionStoppedAt: task.stoppedAt }),
    ...(task.stoppedReason === undefined
      ? {}
      : { stoppedReason: task.stoppedReason, stopCode: task.stopCode }),
    taskArn: task.arn,
    taskDefinitionArn: taskDefinition.arn,
    version: task.version,
    ...(includeTags ? { tags: task.tags } : {}),
  };
}

export function taskOperations(state: EcsState): Record<string, AwsJsonHandler> {
  return {
    /** ListTasks: cluster-wide or filtered (service, family, instance, startedBy, launch type); desiredStatus RUNNING by default. */
    ListTasks: (input) => {
      const cluster = resolveCluster(state, input.string("cluster"));
      const serviceName = input.string("serviceName");
      if (serviceName !== undefined) resolveService(cluster, serviceName);
      const desiredStatus = oneOf(
        input.string("desiredStatus") ?? "RUNNING",
        DESIRED_STATUSES,
        "desiredStatus",
      );
      const family = input.string("family");
      const startedBy = input.string("startedBy");
      const launchType = input.string("launchType");
      if (launchType !== undefined) oneOf(launchType, LAUNCH_TYPE_VALUES, "launchType");
      const instanceId = input.string("containerInstance");
      if (
        instanceId !== undefined &&
        !cluster.instances.some((instance) => instance.id === shortName(instanceId))
      ) {
        throw invalidParameter("The specified container instance does not exist in this cluster.");
      }
      const matching: TaskRecord[] = [];
      for (const task of cluster.tasks.values()) {
        if (
          task.desiredStatus === desiredStatus &&
          (serviceName === undefined || task.service.name === shortName(serviceName)) &&
          (family === undefined || task.taskDefinition.family === family) &&
          (startedBy === undefined || task.deployment.id === startedBy) &&
          (launchType === undefined || task.launchType === launchType) &&
          (instanceId === undefined || task.instance?.id === shortName(instanceId))
        ) {
          matching.push(task);
        }
      }
      const page = paginate(matching, input, 100);
      return { taskArns: page.items.map((task) => task.arn), nextToken: page.nextToken };
    },
    /** DescribeTasks: up to 100 by ARN or id; unknown ones come back as MISSING failures; tags with include TAGS. */
    DescribeTasks: (input) => {
      const cluster = resolveCluster(state, input.string("cluster"));
      const wanted = input.strings("tasks");
      if (wanted === undefined || wanted.length === 0) throw invalidParameter("Tasks cannot be empty.");
      if (wanted.length > 100) throw invalidParameter("tasks can have at most 100 items.");
      const include = (input.strings("include") ?? []).map((field) => oneOf(field, ["TAGS"], "include"));
      const tasks: Record<string, unknown>[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const identifier of wanted) {
        const task = cluster.tasks.get(shortName(identifier));
        if (task === undefined) failures.push({ arn: identifier, reason: "MISSING" });
        else tasks.push(taskView(state, task, include.includes("TAGS")));
      }
      return { tasks, failures };
    },
  };
}
