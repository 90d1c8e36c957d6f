import type { Task } from "@aws-sdk/client-ecs";
import { chunk, mapConcurrent } from "../../util/concurrency.js";

/** A RUNNING task of a service, with where it can be reached. */
export interface RunningTask {
  readonly service: string;
  readonly taskArn: string;
  readonly taskDefinitionArn: string;
  /** The ENI's private IP under awsvpc, else the container instance's private IP. */
  readonly address: string | undefined;
  /** Container port -> the port reachable at `address`. */
  readonly ports: ReadonlyMap<number, number>;
  readonly awsvpc: boolean;
  readonly health: "HEALTHY" | "UNHEALTHY" | "UNKNOWN";
  readonly availabilityZone: string | undefined;
  readonly containerInstanceArn: string | undefined;
}

/** The reads task observation needs; implemented over the SDK by SdkEcsApi and SdkEc2Api. */
export interface TaskReader {
  listRunningTasks(cluster: string): Promise<string[]>;
  describeTasks(cluster: string, arns: readonly string[]): Promise<Task[]>;
  /** Container instance ARN -> EC2 instance id. */
  describeContainerInstances(cluster: string, arns: readonly string[]): Promise<Map<string, string>>;
}

export interface InstanceAddresses {
  /** EC2 instance id -> private IP. */
  privateIps(instanceIds: readonly string[]): Promise<Map<string, string>>;
}

/**
 * Container instances never change their EC2 instance, nor instances their private IP: both cache
 * forever. A RUNNING task keeps its address and ports until it stops (it then leaves ListTasks), so
 * it is described once; its ECS health after that is Consul's own HTTP check's business.
 */
export interface TaskObservationCache {
  readonly instanceOf: Map<string, string>;
  readonly ipOf: Map<string, string>;
  /** Task ARN -> the task as described once RUNNING. */
  readonly running: Map<string, Task>;
}

export function newTaskObservationCache(): TaskObservationCache {
  return { instanceOf: new Map(), ipOf: new Map(), running: new Map() };
}

const DESCRIBE_TASKS_BATCH = 100;

function eniAddress(task: Task): string | undefined {
  const eni = task.attachments?.find((a) => a.type === "ElasticNetworkInterface");
  return eni?.details?.find((d) => d.name === "privateIPv4Address")?.value;
}

/** The port a container port is reachable on: its host binding, or itself under awsvpc. */
export function reachablePort(task: RunningTask, containerPort: number): number | undefined {
  return task.ports.get(containerPort) ?? (task.awsvpc ? containerPort : undefined);
}

/**
 * The RUNNING tasks of the named services, cluster-wide: ListTasks pages of 100, DescribeTasks in
 * batches of 100 for the tasks not yet seen RUNNING (3,000 steady tasks cost 30 calls, not one
 * ListTasks per service), then the container instances and EC2 addresses behind bridge and host
 * tasks, each looked up once.
 */
export async function observeRunningTasks(
  reader: TaskReader,
  addresses: InstanceAddresses,
  cluster: string,
  services: ReadonlySet<string>,
  cache: TaskObservationCache,
): Promise<RunningTask[]> {
  const arns = await reader.listRunningTasks(cluster);
  const listed = new Set(arns);
  for (const arn of cache.running.keys()) if (!listed.has(arn)) cache.running.delete(arn);
  const unseen = arns.filter((arn) => !cache.running.has(arn));
  const described = (
    await mapConcurrent(chunk(unseen, DESCRIBE_TASKS_BATCH), 8, (batch) =>
      reader.describeTasks(cluster, batch),
    )
  ).flat();
  for (const task of described) {
    if (task.lastStatus === "RUNNING" && task.taskArn) cache.running.set(task.taskArn, task);
  }
  const ours = arns
    .flatMap((arn) => cache.running.get(arn) ?? [])
    .filter((t) => t.group?.startsWith("service:") && services.has(t.group.slice(8)));
  const unknownInstances = [
    ...new Set(
      ours
        .filter((t) => !eniAddress(t) && t.containerInstanceArn)
        .map((t) => t.containerInstanceArn as string),
    ),
  ].filter((arn) => !cache.instanceOf.has(arn));
  for (const batch of chunk(unknownInstances, DESCRIBE_TASKS_BATCH)) {
    for (const [arn, id] of await reader.describeContainerInstances(cluster, batch))
      cache.instanceOf.set(arn, id);
  }
  const unknownIps = [...new Set(cache.instanceOf.values())].filter((id) => !cache.ipOf.has(id));
  if (unknownIps.length > 0) {
    for (const [id, ip] of await addresses.privateIps(unknownIps)) cache.ipOf.set(id, ip);
  }
  return ours.map((task) => {
    const eni = eniAddress(task);
    const instance = task.containerInstanceArn ? cache.instanceOf.get(task.containerInstanceArn) : undefined;
    const ports = new Map<number, number>();
    for (const container of task.containers ?? []) {
      for (const binding of container.networkBindings ?? []) {
        if (binding.containerPort !== undefined && binding.hostPort !== undefined) {
          ports.set(binding.containerPort, binding.hostPort);
        }
      }
    }
    return {
      service: (task.group ?? "").slice(8),
      taskArn: task.taskArn ?? "",
      taskDefinitionArn: task.taskDefinitionArn ?? "",
      address: eni ?? (instance ? cache.ipOf.get(instance) : undefined),
      awsvpc: eni !== undefined,
      ports,
      health: task.healthStatus ?? "UNKNOWN",
      availabilityZone: task.availabilityZone,
      containerInstanceArn: task.containerInstanceArn,
    };
  });
}

/**
 * The last part of an ECS ARN: a task's id, or a task definition's `family:revision`
 * (arn:aws:ecs:<region>:<account>:task/<cluster>/<id>, .../task-definition/<family>:<revision>).
 */
export function arnResource(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}
