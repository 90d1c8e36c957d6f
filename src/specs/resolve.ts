import type { Mesh } from "./mesh.js";
import type { PortMapping, Service } from "./service.js";

/** Settings a Service inherits from the Mesh when it does not set them itself. */
export interface EffectiveSettings {
  readonly launchType: NonNullable<Service["spec"]["launchType"]>;
  readonly networkMode: NonNullable<Service["spec"]["networkMode"]>;
  readonly network: Service["spec"]["network"];
  readonly executionRoleArn: string | undefined;
}

export function effectiveSettings(service: Service, mesh: Mesh): EffectiveSettings {
  const defaults = mesh.spec.ecs.defaults;
  const launchType = service.spec.launchType ?? defaults.launchType;
  return {
    launchType,
    // Fargate only runs awsvpc, so a Fargate service without a mode gets awsvpc rather than an error.
    networkMode: service.spec.networkMode ?? (launchType === "FARGATE" ? "awsvpc" : defaults.networkMode),
    network: service.spec.network ?? defaults.network,
    executionRoleArn: service.spec.executionRoleArn ?? defaults.executionRoleArn,
  };
}

/** The label that says what part of the mesh a Service plays; the controller's own says `controller`. */
export const COMPONENT_LABEL = "ecsmesh.io/component";
export const CONTROLLER_COMPONENT = "controller";

/**
 * Whether this is the controller's own Service: the label is in `manifests/controller` and
 * `ecsmesh bootstrap` writes it into the manifest it has you commit.
 */
export function isControllerService(service: Service): boolean {
  return service.metadata.labels?.[COMPONENT_LABEL] === CONTROLLER_COMPONENT;
}

export type ControllerRoleKind = "task role" | "execution role";

/** The controller's IAM roles (its AWS power and its secrets), by ARN. */
export function controllerRoles(controller: Service, mesh: Mesh): Map<string, ControllerRoleKind> {
  const roles = new Map<string, ControllerRoleKind>();
  const { executionRoleArn } = effectiveSettings(controller, mesh);
  if (executionRoleArn) roles.set(executionRoleArn, "execution role");
  if (controller.spec.taskRoleArn) roles.set(controller.spec.taskRoleArn, "task role");
  return roles;
}

/** The Consul service name a Service registers under, or undefined when it is not in Consul. */
export function consulName(service: Service): string | undefined {
  const consul = service.spec.discovery.consul;
  return consul ? (consul.name ?? service.metadata.name) : undefined;
}

/** Finds a container port by number or name. */
export function findPort(service: Service, ref: number | string): PortMapping | undefined {
  return service.spec.ports.find((p) => (typeof ref === "number" ? p.containerPort === ref : p.name === ref));
}

export function ownerId(mesh: Mesh): string {
  return mesh.spec.ownerId ?? mesh.metadata.name;
}

export function baseDtabText(mesh: Mesh): string {
  return mesh.spec.linkerd.baseDtab ?? `/svc => /#/io.l5d.consul/${mesh.spec.consul.datacenter};`;
}

/** Where a task reaches the node-local linkerd, or undefined when its network mode gives no fixed address. */
export function linkerdProxyHost(
  mesh: Mesh,
  networkMode: EffectiveSettings["networkMode"],
): string | undefined {
  if (mesh.spec.linkerd.proxyHost) return mesh.spec.linkerd.proxyHost;
  if (networkMode === "bridge") return "172.17.0.1";
  if (networkMode === "host") return "127.0.0.1";
  return undefined;
}
