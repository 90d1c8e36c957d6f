import type { JsonObject } from "../json.js";
import { NumberPool } from "./number-pool.js";

/** The in-memory ECS account and Region the sandbox serves, as plain records. */

export interface Tag {
  key: string;
  value: string;
}

export type NetworkMode = "bridge" | "host" | "awsvpc" | "none";
/** The model's LaunchType enum, which is also its Compatibility enum. */
export const LAUNCH_TYPE_VALUES = ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"] as const;
/** The launch types the sandbox runs tasks on (Managed Instances need capacity providers). */
export type LaunchType = "EC2" | "FARGATE" | "EXTERNAL";
export type SchedulingStrategy = "REPLICA" | "DAEMON";

export interface EcsState {
  readonly region: string;
  readonly accountId: string;
  readonly clusters: Map<string, ClusterRecord>;
  /** Revisions per family; revision n is at index n - 1. */
  readonly taskDefinitions: Map<string, TaskDefinitionRecord[]>;
  /** Images whose tasks fail to start (test control). */
  readonly unhealthyImages: Set<string>;
  readonly containerInstancesPerCluster: number;
  /** Task ENI addresses, one VPC for the whole account: offsets into 10.0.128.0/17. */
  readonly taskAddresses: NumberPool;
  /** Container instances created so far, for their addresses. */
  instanceCount: number;
}

export function newEcsState(
  region: string,
  accountId: string,
  containerInstancesPerCluster: number,
): EcsState {
  const taskAddresses = new NumberPool(1, 32766);
  // Keep x.x.x.0 and x.x.x.255 out, so that every address looks like a host's.
  for (let offset = 0; offset < 32768; offset += 256) {
    taskAddresses.reserve(offset);
    taskAddresses.reserve(offset + 255);
  }
  return {
    region,
    accountId,
    clusters: new Map(),
    taskDefinitions: new Map(),
    unhealthyImages: new Set(),
    containerInstancesPerCluster,
    taskAddresses,
    instanceCount: 0,
  };
}

export interface ClusterRecord {
  readonly arn: string;
  readonly name: string;
  tags: Tag[];
  readonly settings: JsonObject[];
  readonly configuration: JsonObject | undefined;
  readonly services: Map<string, ServiceRecord>;
  /** Tasks by id, recently stopped ones included. */
  readonly tasks: Map<string, TaskRecord>;
  readonly instances: ContainerInstanceRecord[];
}

export interface ContainerInstanceRecord {
  readonly arn: string;
  readonly id: string;
  readonly ec2InstanceId: string;
  /** The instance's private address: data for tests, ECS itself does not report it. */
  readonly privateIp: string;
  readonly availabilityZone: string;
  readonly registeredAt: Date;
  /** Host ports in use: reserved ones, static mappings and dynamic ones from 32768. */
  readonly ports: NumberPool;
  /** Tasks placed here that have not stopped yet. */
  readonly tasks: Set<TaskRecord>;
  tags: Tag[];
}

export interface PortMappingSpec {
  readonly containerPort: number;
  /** 0 asks for a dynamic host port (bridge). */
  readonly hostPort: number;
  readonly protocol: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly essential: boolean;
  readonly portMappings: readonly PortMappingSpec[];
  /** CPU units and MiB (hard limit, else reservation) the container takes from its instance. */
  readonly cpu: number;
  readonly memory: number;
}

export interface TaskDefinitionRecord {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  /** The request as sent (tags apart) plus the defaults ECS fills in. */
  readonly definition: JsonObject;
  /** bridge when the request named none (EC2 on Linux). */
  readonly networkMode: NetworkMode;
  readonly containers: readonly ContainerSpec[];
  readonly compatibilities: readonly string[];
  readonly registeredAt: Date;
  /** DELETE_IN_PROGRESS until no service or task uses it; then it is gone (see findTaskDefinition). */
  status: "ACTIVE" | "INACTIVE" | "DELETE_IN_PROGRESS";
  deregisteredAt?: Date;
  tags: Tag[];
}

export interface CircuitBreaker {
  readonly enable: boolean;
  readonly rollback: boolean;
  readonly threshold: { readonly type: string; readonly value: number } | undefined;
}

export interface DeploymentSettings {
  /** What DescribeServices returns: the members sent plus ECS's defaults. */
  readonly shown: JsonObject;
  readonly maximumPercent: number;
  readonly minimumHealthyPercent: number;
  readonly circuitBreaker: CircuitBreaker;
}

export interface DeploymentRecord {
  readonly id: string;
  status: "PRIMARY" | "ACTIVE";
  readonly taskDefinition: TaskDefinitionRecord;
  readonly networkConfiguration: JsonObject | undefined;
  readonly createdAt: Date;
  updatedAt: Date;
  failedTasks: number;
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  rolloutStateReason: string;
}

export interface ServiceEvent {
  readonly id: string;
  readonly createdAt: Date;
  readonly message: string;
}

/** What CreateService / UpdateService set and DescribeServices shows back. */
export interface ServiceSettings {
  deployment: DeploymentSettings;
  networkConfiguration: JsonObject | undefined;
  placementConstraints: JsonObject[];
  placementStrategy: JsonObject[];
  serviceRegistries: JsonObject[];
  loadBalancers: JsonObject[];
  propagateTags: string;
  enableECSManagedTags: boolean;
  enableExecuteCommand: boolean;
  healthCheckGracePeriodSeconds: number | undefined;
}

export interface ServiceRecord {
  readonly arn: string;
  readonly name: string;
  readonly cluster: ClusterRecord;
  status: "ACTIVE" | "DRAINING" | "INACTIVE";
  desiredCount: number;
  readonly schedulingStrategy: SchedulingStrategy;
  readonly launchType: LaunchType;
  readonly platformVersion: string | undefined;
  taskDefinition: TaskDefinitionRecord;
  readonly settings: ServiceSettings;
  /** The PRIMARY deployment first. */
  deployments: DeploymentRecord[];
  /** Newest first. */
  events: ServiceEvent[];
  /** Tasks that have not stopped yet. */
  readonly tasks: Set<TaskRecord>;
  tags: Tag[];
  readonly createdAt: Date;
  readonly createdBy: string;
  /** For CreateService idempotency. */
  readonly creation: { readonly clientToken: string | undefined; readonly digest: string };
  /** The last deployment that reached COMPLETED: where the circuit breaker rolls back to. */
  lastCompleted: DeploymentRecord | undefined;
  /** A steady state was reported and nothing changed since. */
  steady: boolean;
  /** When the service turned INACTIVE, in epoch ms. */
  inactiveAt: number | undefined;
  /** Why the last placement failed, so that the event is not repeated every tick. */
  placementFailure: string | undefined;
}

export interface EniSpec {
  readonly attachmentId: string;
  readonly id: string;
  readonly address: string;
  readonly addressOffset: number;
  readonly macAddress: string;
  readonly subnetId: string;
}

export interface BindingSpec {
  readonly containerName: string;
  readonly containerPort: number;
  readonly hostPort: number;
  readonly protocol: string;
}

export interface TaskRecord {
  readonly arn: string;
  readonly id: string;
  readonly cluster: ClusterRecord;
  readonly service: ServiceRecord;
  readonly deployment: DeploymentRecord;
  readonly taskDefinition: TaskDefinitionRecord;
  readonly launchType: LaunchType;
  readonly instance: ContainerInstanceRecord | undefined;
  readonly availabilityZone: string;
  readonly bindings: readonly BindingSpec[];
  readonly eni: EniSpec | undefined;
  /** Container ARNs in task-definition order. */
  readonly containerArns: readonly string[];
  lastStatus: "PENDING" | "RUNNING" | "STOPPED";
  desiredStatus: "RUNNING" | "STOPPED";
  readonly createdAt: Date;
  startedAt?: Date;
  stoppingAt?: Date;
  stoppedAt?: Date;
  stoppedReason?: string;
  stopCode?: string;
  /** Set when an essential container exited, with its name. */
  failedContainer?: string;
  /** When the next transition (start or stop) happens, in epoch ms. */
  dueAt: number;
  version: number;
  tags: Tag[];
}
