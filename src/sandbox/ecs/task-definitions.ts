import type { AwsJsonHandler } from "../aws-json-server.js";
import type { JsonObject } from "../json.js";
import type { JsonReader } from "../json-reader.js";
import { ecsArn } from "./arns.js";
import { clientError, invalidParameter, oneOf } from "./errors.js";
import { paginate } from "./pagination.js";
import { findTaskDefinition, isGone } from "./resolve.js";
import {
  type ContainerSpec,
  type EcsState,
  LAUNCH_TYPE_VALUES,
  type NetworkMode,
  type PortMappingSpec,
  type TaskDefinitionRecord,
} from "./state.js";
import { parseTags } from "./tags.js";

const NETWORK_MODES: readonly NetworkMode[] = ["bridge", "host", "awsvpc", "none"];
const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;

/** Deregistering and deleting take one revision, never a bare family. */
function namesRevision(reference: string): boolean {
  return reference.includes(":") && (!reference.startsWith("arn:") || /:\d+$/.test(reference));
}

/** A task definition as DescribeTaskDefinition shows it. */
export function taskDefinitionView(td: TaskDefinitionRecord): Record<string, unknown> {
  return {
    ...td.definition,
    taskDefinitionArn: td.arn,
    family: td.family,
    revision: td.revision,
    status: td.status,
    compatibilities: td.compatibilities,
    registeredAt: td.registeredAt,
    ...(td.deregisteredAt === undefined ? {} : { deregisteredAt: td.deregisteredAt }),
  };
}

export function taskDefinitionOperations(state: EcsState): Record<string, AwsJsonHandler> {
  const referenced = (input: JsonReader): string => {
    const reference = input.string("taskDefinition");
    if (reference === undefined || reference === "")
      throw invalidParameter("taskDefinition must be specified.");
    return reference;
  };
  return {
    /** RegisterTaskDefinition: always a new revision, stored as sent plus ECS's defaults. */
    RegisterTaskDefinition: (input) => {
      const td = register(state, input);
      return { taskDefinition: taskDefinitionView(td), tags: td.tags };
    },
    /** DescribeTaskDefinition: by ARN, family:revision or family (latest ACTIVE); tags with include TAGS. */
    DescribeTaskDefinition: (input) => {
      const include = (input.strings("include") ?? []).map((field) => oneOf(field, ["TAGS"], "include"));
      const td = findTaskDefinition(state, referenced(input));
      if (td === undefined) throw clientError("Unable to describe task definition.");
      return {
        taskDefinition: taskDefinitionView(td),
        ...(include.includes("TAGS") ? { tags: td.tags } : {}),
      };
    },
    /** DeregisterTaskDefinition: marks one revision INACTIVE; running services keep it. */
    DeregisterTaskDefinition: (input) => {
      const reference = referenced(input);
      if (!namesRevision(reference)) {
        throw clientError("A task definition revision must be specified to deregister it.");
      }
      const td = findTaskDefinition(state, reference);
      if (td === undefined) throw clientError("The specified task definition does not exist.");
      if (td.status === "ACTIVE") {
        td.status = "INACTIVE";
        td.deregisteredAt = new Date();
      }
      return { taskDefinition: taskDefinitionView(td) };
    },
    /**
     * DeleteTaskDefinitions: INACTIVE revisions turn DELETE_IN_PROGRESS, and are gone once no
     * service or task uses them; the rest are failures, one per revision.
     */
    DeleteTaskDefinitions: (input) => {
      const references = input.strings("taskDefinitions") ?? [];
      if (references.length === 0) throw invalidParameter("taskDefinitions must be specified.");
      if (references.length > 10)
        throw invalidParameter("At most 10 task definitions can be deleted at once.");
      const deleted: Record<string, unknown>[] = [];
      const failures: JsonObject[] = [];
      for (const reference of references) {
        const td = namesRevision(reference) ? findTaskDefinition(state, reference) : undefined;
        if (td === undefined) {
          failures.push({ arn: reference, reason: "The specified task definition does not exist." });
        } else if (td.status === "ACTIVE") {
          failures.push({
            arn: td.arn,
            reason:
              "The specified task definition is still in ACTIVE status. Please deregister the target and try again.",
          });
        } else {
          td.status = "DELETE_IN_PROGRESS";
          deleted.push(taskDefinitionView(td));
        }
      }
      return { taskDefinitions: deleted, failures };
    },
    /** ListTaskDefinitions: by family then revision (DESC reverses), ACTIVE unless asked otherwise. */
    ListTaskDefinitions: (input) => {
      const family = input.string("familyPrefix");
      const status = oneOf(
        input.string("status") ?? "ACTIVE",
        ["ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"],
        "status",
      );
      const sort = oneOf(input.string("sort") ?? "ASC", ["ASC", "DESC"], "sort");
      const families = [...state.taskDefinitions.keys()]
        .filter((name) => family === undefined || name === family)
        .sort();
      const all = families
        .flatMap((name) => state.taskDefinitions.get(name) ?? [])
        .filter((td) => td.status === status && !isGone(state, td));
      if (sort === "DESC") all.reverse();
      const page = paginate(all, input, 100);
      return { taskDefinitionArns: page.items.map((td) => td.arn), nextToken: page.nextToken };
    },
  };
}

function register(state: EcsState, input: JsonReader): TaskDefinitionRecord {
  const family = input.string("family");
  if (family === undefined || family === "") throw clientError("Family must be specified.");
  if (!FAMILY.test(family)) {
    throw clientError(
      "Family names can have up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.",
    );
  }
  const sentMode = input.string("networkMode");
  const networkMode = sentMode === undefined ? "bridge" : oneOf(sentMode, NETWORK_MODES, "networkMode");
  const required = (input.strings("requiresCompatibilities") ?? []).map((value) =>
    oneOf(value, LAUNCH_TYPE_VALUES, "requiresCompatibilities"),
  );
  const taskCpu = input.string("cpu");
  const taskMemory = input.string("memory");
  const containers = input.objects("containerDefinitions") ?? [];
  if (containers.length === 0) throw clientError("Container list cannot be empty.");
  const normalized = containers.map((container) =>
    normalizeContainer(container, networkMode, taskMemory !== undefined),
  );
  const names = new Set(normalized.map(({ spec }) => spec.name));
  if (names.size !== normalized.length)
    throw clientError("Container names must be unique within a task definition.");
  if (!normalized.some(({ spec }) => spec.essential)) {
    throw clientError("A task definition must have at least one essential container.");
  }
  if (required.includes("FARGATE")) {
    if (networkMode !== "awsvpc") throw clientError("Fargate only supports network mode 'awsvpc'.");
    if (taskCpu === undefined) throw clientError("Fargate requires that 'cpu' be defined at the task level.");
    if (taskMemory === undefined)
      throw clientError("Fargate requires that 'memory' be defined at the task level.");
  }
  const tags = parseTags(input);

  const { tags: _sentTags, ...sent } = structuredClone(input.value);
  const definition: JsonObject = {
    ...sent,
    containerDefinitions: normalized.map(({ shown }) => shown),
    volumes: input.copy("volumes") ?? [],
    placementConstraints: input.copy("placementConstraints") ?? [],
  };
  const revisions = state.taskDefinitions.get(family) ?? [];
  state.taskDefinitions.set(family, revisions);
  const revision = revisions.length + 1;
  const td: TaskDefinitionRecord = {
    arn: ecsArn(state, "task-definition", `${family}:${revision}`),
    family,
    revision,
    definition,
    networkMode,
    containers: normalized.map(({ spec }) => spec),
    compatibilities: compatibilitiesOf(
      networkMode,
      taskCpu !== undefined && taskMemory !== undefined,
      required,
    ),
    registeredAt: new Date(),
    status: "ACTIVE",
    tags,
  };
  revisions.push(td);
  return td;
}

/** Where ECS says a definition can run: EC2 always, EXTERNAL without awsvpc, FARGATE with awsvpc and a task size. */
function compatibilitiesOf(
  networkMode: NetworkMode,
  taskSized: boolean,
  required: readonly string[],
): string[] {
  const compatible = new Set(["EC2", ...required]);
  if (networkMode !== "awsvpc") compatible.add("EXTERNAL");
  if (networkMode === "awsvpc" && taskSized) compatible.add("FARGATE");
  return [...compatible];
}

function normalizeContainer(
  container: JsonReader,
  networkMode: NetworkMode,
  taskMemory: boolean,
): { shown: JsonObject; spec: ContainerSpec } {
  const name = container.string("name");
  if (name === undefined || name === "") throw clientError("Container.name should not be null or empty.");
  const image = container.string("image");
  if (image === undefined || image === "") throw clientError("Container.image should not be null or empty.");
  const memory = container.integer("memory") ?? container.integer("memoryReservation");
  if (memory === undefined && !taskMemory) {
    throw clientError(
      `Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
    );
  }
  const mappings = (container.objects("portMappings") ?? []).map((mapping) =>
    normalizePortMapping(mapping, networkMode),
  );
  if (networkMode === "none" && mappings.length > 0) {
    throw clientError("Port mappings are not allowed when networkMode is 'none'.");
  }
  const cpu = container.integer("cpu") ?? 0;
  const essential = container.boolean("essential") ?? true;
  const shown: JsonObject = {
    ...structuredClone(container.value),
    cpu,
    essential,
    portMappings: mappings.map((mapping) => mapping.shown),
    environment: container.copy("environment") ?? [],
    mountPoints: container.copy("mountPoints") ?? [],
    volumesFrom: container.copy("volumesFrom") ?? [],
  };
  const portMappings = mappings.flatMap((mapping) => (mapping.spec === undefined ? [] : [mapping.spec]));
  return { shown, spec: { name, image, essential, portMappings, cpu, memory: memory ?? 0 } };
}

function normalizePortMapping(
  mapping: JsonReader,
  networkMode: NetworkMode,
): { shown: JsonObject; spec: PortMappingSpec | undefined } {
  const containerPort = mapping.integer("containerPort");
  const protocol = oneOf(mapping.string("protocol") ?? "tcp", ["tcp", "udp"], "protocol");
  const shown: JsonObject = { ...structuredClone(mapping.value), protocol };
  if (containerPort === undefined) {
    if (!mapping.has("containerPortRange"))
      throw clientError("A port mapping needs a containerPort or a containerPortRange.");
    return { shown, spec: undefined };
  }
  const sentHostPort = mapping.integer("hostPort");
  for (const port of [containerPort, sentHostPort ?? 0]) {
    if (port < 0 || port > 65535) throw clientError(`Invalid port ${port}: ports are between 0 and 65535.`);
  }
  let hostPort = sentHostPort ?? 0;
  if (networkMode === "awsvpc" || networkMode === "host") {
    if (sentHostPort !== undefined && sentHostPort !== containerPort) {
      throw clientError(
        `When networkMode=${networkMode}, the host ports and container ports in port mappings must match.`,
      );
    }
    hostPort = containerPort;
  }
  shown.hostPort = hostPort;
  return { shown, spec: { containerPort, hostPort, protocol } };
}
