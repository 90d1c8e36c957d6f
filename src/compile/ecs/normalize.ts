import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from "@aws-sdk/client-ecs";

/** RegisterTaskDefinition input fields: what a live definition is projected onto before comparing. */
const INPUT_FIELDS = [
  "family",
  "taskRoleArn",
  "executionRoleArn",
  "networkMode",
  "containerDefinitions",
  "volumes",
  "placementConstraints",
  "requiresCompatibilities",
  "cpu",
  "memory",
  "pidMode",
  "ipcMode",
  "proxyConfiguration",
  "inferenceAccelerators",
  "ephemeralStorage",
  "runtimePlatform",
  "enableFaultInjection",
] as const;

/** Lists whose order means nothing to ECS, and the key that identifies each element. */
const SET_LIKE: Record<string, (item: Record<string, unknown>) => string> = {
  environment: (e) => String(e.name),
  secrets: (e) => String(e.name),
  portMappings: (p) => `${String(p.containerPort).padStart(5, "0")}/${p.protocol ?? "tcp"}`,
  mountPoints: (m) => `${m.containerPath}`,
  volumesFrom: (v) => `${v.sourceContainer}`,
  ulimits: (u) => `${u.name}`,
  extraHosts: (h) => `${h.hostname}`,
  volumes: (v) => `${v.name}`,
  requiresCompatibilities: (c) => String(c),
  placementConstraints: (c) => `${c.type}:${c.expression ?? ""}`,
  environmentFiles: (f) => `${f.value}`,
  systemControls: (s) => `${s.namespace}`,
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Drops null, undefined, empty lists and empty maps, sorts keys and set-like lists, recursively. */
function prune(value: unknown, key = ""): Json | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item) => prune(item)).filter((item): item is Json => item !== undefined);
    if (items.length === 0) return undefined;
    const identify = SET_LIKE[key];
    return identify
      ? items.sort((a, b) =>
          compare(identify(a as Record<string, unknown>), identify(b as Record<string, unknown>)),
        )
      : items;
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") {
    // Keys sorted, so equal definitions also serialise equally.
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value).sort(([a], [b]) => compare(a, b))) {
      const pruned = prune(v, k);
      if (pruned !== undefined) out[k] = pruned;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value as Json;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Fills in what ECS fills in on its own, so a definition we send and the same definition read
 * back compare equal: `essential: true`, `protocol: tcp`, the host port implied by the network
 * mode, container `cpu: 0`, and task-level cpu/memory as strings.
 */
function applyEcsDefaults(input: Record<string, unknown>): Record<string, unknown> {
  const networkMode = (input.networkMode as string | undefined) ?? "bridge";
  const containers = (input.containerDefinitions as Record<string, unknown>[] | undefined) ?? [];
  return {
    ...input,
    networkMode,
    ...(input.cpu !== undefined ? { cpu: String(input.cpu) } : {}),
    ...(input.memory !== undefined ? { memory: String(input.memory) } : {}),
    containerDefinitions: containers.map((container) => ({
      ...container,
      essential: container.essential ?? true,
      cpu: container.cpu ?? 0,
      portMappings: ((container.portMappings as Record<string, unknown>[] | undefined) ?? []).map((port) => ({
        ...port,
        protocol: port.protocol ?? "tcp",
        hostPort: port.hostPort ?? (networkMode === "bridge" ? 0 : port.containerPort),
      })),
    })),
  };
}

/**
 * The canonical form of a task definition, from what we would register or from what ECS
 * describes: only input fields, ECS defaults filled, empties dropped, set-like lists sorted.
 * Two definitions need no new revision exactly when their canonical forms are equal.
 */
export function canonicalTaskDefinition(
  definition: RegisterTaskDefinitionCommandInput | TaskDefinition,
): Json {
  const projected: Record<string, unknown> = {};
  for (const field of INPUT_FIELDS) {
    const value = (definition as Record<string, unknown>)[field];
    if (value !== undefined) projected[field] = value;
  }
  return prune(applyEcsDefaults(projected)) ?? {};
}
