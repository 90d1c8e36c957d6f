import { randomUUID } from "node:crypto";
import { JsonReader } from "../json-reader.js";
import { newEniId, newMacAddress } from "./ids.js";
import type {
  BindingSpec,
  ContainerInstanceRecord,
  DeploymentRecord,
  EcsState,
  EniSpec,
  ServiceRecord,
  TaskDefinitionRecord,
} from "./state.js";

/** Where a new task runs and what it holds there: host ports on its instance, or an ENI under awsvpc. */
export interface Placement {
  readonly instance: ContainerInstanceRecord | undefined;
  readonly availabilityZone: string;
  readonly bindings: readonly BindingSpec[];
  readonly eni: EniSpec | undefined;
}

/**
 * Places a task of the deployment like the ECS scheduler: DAEMON and distinctInstance take an instance
 * of their own, static host ports must be free, spread (the default) picks the instance running the
 * fewest of the service's tasks, binpack the busiest. Returns why nothing fits otherwise.
 */
export function place(
  state: EcsState,
  service: ServiceRecord,
  deployment: DeploymentRecord,
): Placement | string {
  const taskDefinition = deployment.taskDefinition;
  if (service.launchType === "FARGATE") {
    const zones = ["a", "b", "c"];
    const zone = `${state.region}${zones[service.cluster.tasks.size % zones.length]}`;
    return { instance: undefined, availabilityZone: zone, bindings: [], eni: attachEni(state, deployment) };
  }
  const ownInstance =
    service.schedulingStrategy === "DAEMON" ||
    service.settings.placementConstraints.some((constraint) => constraint.type === "distinctInstance");
  const perInstance = new Map<ContainerInstanceRecord, number>();
  for (const task of service.tasks) {
    if (task.instance !== undefined && task.desiredStatus === "RUNNING") {
      perInstance.set(task.instance, (perInstance.get(task.instance) ?? 0) + 1);
    }
  }
  const free = service.cluster.instances.filter((instance) => !(ownInstance && perInstance.has(instance)));
  if (free.length === 0) return "Every container instance already runs a task of this service.";
  const staticPorts = staticHostPorts(taskDefinition);
  const candidates = free.filter((instance) => staticPorts.every((port) => instance.ports.isFree(port)));
  if (candidates.length === 0) {
    return "The closest matching container instance is already using a port required by your task.";
  }
  const load = (instance: ContainerInstanceRecord) => perInstance.get(instance) ?? 0;
  const binpack = service.settings.placementStrategy[0]?.type === "binpack";
  candidates.sort((a, b) =>
    binpack ? b.tasks.size - a.tasks.size : load(a) - load(b) || a.tasks.size - b.tasks.size,
  );
  const instance = candidates[0] as ContainerInstanceRecord;
  return {
    instance,
    availabilityZone: instance.availabilityZone,
    bindings: bindPorts(instance, taskDefinition),
    eni: taskDefinition.networkMode === "awsvpc" ? attachEni(state, deployment) : undefined,
  };
}

/** Gives back what a stopped task held. */
export function releasePlacement(state: EcsState, placement: Placement): void {
  for (const binding of placement.bindings) placement.instance?.ports.release(binding.hostPort);
  if (placement.eni !== undefined) state.taskAddresses.release(placement.eni.addressOffset);
}

function staticHostPorts(taskDefinition: TaskDefinitionRecord): number[] {
  const { networkMode } = taskDefinition;
  if (networkMode !== "bridge" && networkMode !== "host") return [];
  return taskDefinition.containers.flatMap((container) =>
    container.portMappings.map((mapping) => mapping.hostPort).filter((port) => port > 0),
  );
}

/** Host ports for bridge and host mode: static ones as mapped, 0 from the dynamic range. */
function bindPorts(instance: ContainerInstanceRecord, taskDefinition: TaskDefinitionRecord): BindingSpec[] {
  const { networkMode } = taskDefinition;
  if (networkMode !== "bridge" && networkMode !== "host") return [];
  return taskDefinition.containers.flatMap((container) =>
    container.portMappings.map((mapping) => {
      let hostPort = mapping.hostPort;
      if (hostPort > 0) instance.ports.reserve(hostPort);
      else hostPort = instance.ports.take() ?? fail("the sandbox instance ran out of dynamic host ports");
      return {
        containerName: container.name,
        containerPort: mapping.containerPort,
        hostPort,
        protocol: mapping.protocol,
      };
    }),
  );
}

/** An ENI with an address in 10.0.128.0/17, in one of the deployment's subnets. */
function attachEni(state: EcsState, deployment: DeploymentRecord): EniSpec {
  const offset = state.taskAddresses.take() ?? fail("the sandbox VPC ran out of task addresses");
  const network = new JsonReader(deployment.networkConfiguration ?? {});
  const subnets = network.object("awsvpcConfiguration")?.strings("subnets") ?? [];
  return {
    attachmentId: randomUUID(),
    id: newEniId(),
    address: `10.0.${128 + (offset >> 8)}.${offset & 255}`,
    addressOffset: offset,
    macAddress: newMacAddress(),
    subnetId: subnets[offset % subnets.length] ?? "",
  };
}

function fail(message: string): never {
  throw new Error(message);
}
