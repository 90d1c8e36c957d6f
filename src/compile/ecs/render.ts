import { createHash } from "node:crypto";
import type {
  CreateServiceCommandInput,
  DeploymentConfiguration,
  NetworkConfiguration,
  PlacementConstraint,
  PlacementStrategy,
  RegisterTaskDefinitionCommandInput,
  ServiceRegistry,
} from "@aws-sdk/client-ecs";
import type { Mesh } from "../../specs/mesh.js";
import { effectiveSettings, linkerdProxyHost } from "../../specs/resolve.js";
import type { Service } from "../../specs/service.js";
import { canonicalJson } from "../../util/canonical-json.js";
import { familyOf, ownerTags } from "./names.js";
import { canonicalTaskDefinition } from "./normalize.js";

/** Metadata addresses that must never go through the proxy (task credentials, instance metadata). */
const NO_PROXY = "169.254.169.254,169.254.170.2,localhost,127.0.0.1";

/** Everything the ECS controller wants for one Service manifest. */
export interface DesiredService {
  readonly cluster: string;
  readonly name: string;
  readonly family: string;
  readonly taskDefinition: RegisterTaskDefinitionCommandInput;
  /** Hash of the canonical task definition. */
  readonly fingerprint: string;
  readonly launchType: string;
  readonly schedulingStrategy: "REPLICA" | "DAEMON";
  /** Undefined: autoscaling owns the count; the controller never changes it. */
  readonly desiredCount: number | undefined;
  readonly deploymentConfiguration: DeploymentConfiguration | undefined;
  readonly networkConfiguration: NetworkConfiguration | undefined;
  readonly placementConstraints: PlacementConstraint[] | undefined;
  readonly placementStrategy: PlacementStrategy[] | undefined;
  /** Cloud Map registration, which ECS performs for each task; undefined without cloudMap discovery. */
  readonly serviceRegistries: ServiceRegistry[] | undefined;
  readonly tags: { key: string; value: string }[];
}

export function fingerprint(definition: RegisterTaskDefinitionCommandInput): string {
  return createHash("sha256")
    .update(canonicalJson(canonicalTaskDefinition(definition)))
    .digest("hex");
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

export function renderTaskDefinition(mesh: Mesh, service: Service): RegisterTaskDefinitionCommandInput {
  const spec = service.spec;
  const settings = effectiveSettings(service, mesh);
  const environment: Record<string, string> = { ...spec.env };
  const proxyHost = linkerdProxyHost(mesh, settings.networkMode);
  if (spec.mesh?.outbound && proxyHost) {
    environment.http_proxy = `http://${proxyHost}:${mesh.spec.linkerd.ports.outgoing}`;
    environment.no_proxy = NO_PROXY;
  }
  const fargate = settings.launchType === "FARGATE";
  return {
    family: familyOf(mesh, service),
    networkMode: settings.networkMode,
    taskRoleArn: spec.taskRoleArn,
    executionRoleArn: settings.executionRoleArn,
    requiresCompatibilities: fargate ? ["FARGATE"] : undefined,
    // Fargate sizes the task; on EC2 the container's memory is its hard limit.
    cpu: fargate && spec.cpu !== undefined ? String(spec.cpu) : undefined,
    memory: fargate ? String(spec.memory) : undefined,
    containerDefinitions: [
      {
        name: service.metadata.name,
        image: spec.image,
        essential: true,
        command: spec.command,
        entryPoint: spec.entryPoint,
        cpu: fargate ? undefined : spec.cpu,
        memory: spec.memory,
        portMappings: spec.ports.map((port) => ({
          containerPort: port.containerPort,
          hostPort: port.hostPort,
          protocol: port.protocol,
          name: port.name,
        })),
        environment: Object.entries(environment)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, value]) => ({ name, value })),
        secrets: Object.entries(spec.secrets)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, ref]) => ({ name, valueFrom: ref.valueFrom })),
        healthCheck: spec.healthCheck && {
          command: spec.healthCheck.command,
          interval: seconds(spec.healthCheck.interval),
          timeout: seconds(spec.healthCheck.timeout),
          retries: spec.healthCheck.retries,
          startPeriod:
            spec.healthCheck.startPeriod === undefined ? undefined : seconds(spec.healthCheck.startPeriod),
        },
        logConfiguration: spec.logging && { logDriver: spec.logging.driver, options: spec.logging.options },
      },
    ],
    tags: ownerTags(mesh),
  };
}

/** Stands for a Cloud Map service ARN that `plan` cannot know before apply creates it. */
export const KNOWN_AFTER_APPLY = "(known after apply)";

/**
 * The ECS side of Cloud Map discovery: the registry and the container port ECS registers
 * (SRV records and HTTP namespaces both take the port).
 */
function serviceRegistries(
  service: Service,
  registries: ReadonlyMap<string, string>,
): ServiceRegistry[] | undefined {
  const cloudMap = service.spec.discovery.cloudMap;
  if (!cloudMap) return undefined;
  const port = service.spec.ports[0];
  return [
    {
      registryArn: registries.get(cloudMap.name ?? service.metadata.name) ?? KNOWN_AFTER_APPLY,
      containerName: service.metadata.name,
      ...(port ? { containerPort: port.containerPort } : {}),
    },
  ];
}

/** A rendered service with the Cloud Map registry ARNs the Cloud Map step has created or found. */
export function withRegistries(
  desired: DesiredService,
  service: Service,
  registries: ReadonlyMap<string, string>,
): DesiredService {
  if (!desired.serviceRegistries) return desired;
  return { ...desired, serviceRegistries: serviceRegistries(service, registries) };
}

export function renderService(
  mesh: Mesh,
  service: Service,
  registries: ReadonlyMap<string, string> = new Map(),
): DesiredService {
  const spec = service.spec;
  const settings = effectiveSettings(service, mesh);
  const taskDefinition = renderTaskDefinition(mesh, service);
  const deployment = spec.deployment;
  return {
    cluster: mesh.spec.ecs.cluster,
    name: service.metadata.name,
    family: familyOf(mesh, service),
    taskDefinition,
    fingerprint: fingerprint(taskDefinition),
    launchType: settings.launchType,
    schedulingStrategy: spec.scheduling,
    desiredCount: spec.desiredCount,
    deploymentConfiguration: deployment && {
      minimumHealthyPercent: deployment.minimumHealthyPercent,
      maximumPercent: deployment.maximumPercent,
      deploymentCircuitBreaker: deployment.circuitBreaker,
    },
    networkConfiguration:
      settings.networkMode === "awsvpc" && settings.network
        ? {
            awsvpcConfiguration: {
              subnets: [...settings.network.subnets].sort(),
              securityGroups: [...settings.network.securityGroups].sort(),
              assignPublicIp: settings.network.assignPublicIp ? "ENABLED" : "DISABLED",
            },
          }
        : undefined,
    placementConstraints: spec.placement?.constraints,
    placementStrategy: spec.placement?.strategy,
    serviceRegistries: serviceRegistries(service, registries),
    tags: ownerTags(mesh),
  };
}

/** CreateService input for a desired service; the executor adds the task definition and client token. */
export function createServiceInput(
  desired: DesiredService,
): Omit<CreateServiceCommandInput, "taskDefinition"> {
  return {
    cluster: desired.cluster,
    serviceName: desired.name,
    launchType: desired.launchType as CreateServiceCommandInput["launchType"],
    schedulingStrategy: desired.schedulingStrategy,
    // A REPLICA service starts with one task when autoscaling owns the count; DAEMON has none.
    desiredCount: desired.schedulingStrategy === "DAEMON" ? undefined : (desired.desiredCount ?? 1),
    deploymentConfiguration: desired.deploymentConfiguration,
    networkConfiguration: desired.networkConfiguration,
    placementConstraints: desired.placementConstraints,
    placementStrategy: desired.placementStrategy,
    serviceRegistries: desired.serviceRegistries,
    tags: desired.tags,
    propagateTags: "SERVICE",
    enableECSManagedTags: true,
  };
}

/** Same service, same definition, same token: a retried CreateService is answered, not duplicated. */
export function clientTokenFor(cluster: string, name: string, taskDefinitionArn: string): string {
  return createHash("sha256").update(`${cluster}/${name}/${taskDefinitionArn}`).digest("hex").slice(0, 32);
}
