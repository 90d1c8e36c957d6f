import type { JsonObject } from "../json.js";
import { JsonReader } from "../json-reader.js";
import { invalidParameter, oneOf } from "./errors.js";
import type { DeploymentSettings, SchedulingStrategy, TaskDefinitionRecord } from "./state.js";

/** Validation and ECS defaults for the configuration members of CreateService and UpdateService. */

const THRESHOLD_TYPES = ["COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"] as const;

/** deploymentConfiguration: sent members over the previous ones (or ECS's defaults for the scheduling strategy). */
export function deploymentSettings(
  sent: JsonReader | undefined,
  scheduling: SchedulingStrategy,
  previous?: DeploymentSettings,
): DeploymentSettings {
  const defaults = scheduling === "DAEMON" ? { max: 100, min: 0 } : { max: 200, min: 100 };
  const shown: JsonObject = {
    deploymentCircuitBreaker: { enable: false, rollback: false },
    maximumPercent: defaults.max,
    minimumHealthyPercent: defaults.min,
    ...structuredClone(previous?.shown),
    ...structuredClone(sent?.value),
  };
  const merged = new JsonReader(shown, "deploymentConfiguration");
  const maximumPercent = merged.integer("maximumPercent") ?? defaults.max;
  const minimumHealthyPercent = merged.integer("minimumHealthyPercent") ?? defaults.min;
  if (minimumHealthyPercent < 0 || minimumHealthyPercent > 100) {
    throw invalidParameter("minimumHealthyPercent must be between 0 and 100.");
  }
  if (maximumPercent < minimumHealthyPercent) {
    throw invalidParameter("maximumPercent must be greater than or equal to minimumHealthyPercent.");
  }
  if (scheduling === "DAEMON" && maximumPercent !== 100) {
    throw invalidParameter("maximumPercent must be 100 for services with the DAEMON scheduling strategy.");
  }
  const strategy = merged.string("strategy");
  if (strategy !== undefined && strategy !== "ROLLING") {
    throw invalidParameter(`The sandbox simulates rolling updates only, not the ${strategy} strategy.`);
  }
  const breaker = merged.object("deploymentCircuitBreaker");
  const enable = breaker?.boolean("enable");
  const rollback = breaker?.boolean("rollback");
  if (enable === undefined || rollback === undefined) {
    throw invalidParameter("deploymentCircuitBreaker needs both enable and rollback.");
  }
  const threshold = breaker?.object("thresholdConfiguration");
  const thresholdValue = threshold?.integer("value");
  const thresholdType = threshold?.string("type");
  if (threshold !== undefined && (thresholdValue === undefined || thresholdType === undefined)) {
    throw invalidParameter("thresholdConfiguration needs both type and value.");
  }
  return {
    shown,
    maximumPercent,
    minimumHealthyPercent,
    circuitBreaker: {
      enable,
      rollback,
      threshold:
        thresholdType === undefined || thresholdValue === undefined
          ? undefined
          : {
              type: oneOf(thresholdType, THRESHOLD_TYPES, "thresholdConfiguration.type"),
              value: thresholdValue,
            },
    },
  };
}

/** networkConfiguration: required with awsvpc (assignPublicIp defaults to DISABLED), refused otherwise. */
export function networkConfiguration(
  sent: JsonReader | undefined,
  taskDefinition: TaskDefinitionRecord,
): JsonObject | undefined {
  const awsvpc = sent?.object("awsvpcConfiguration");
  if (taskDefinition.networkMode !== "awsvpc") {
    if (awsvpc !== undefined) {
      throw invalidParameter(
        "Network Configuration is not valid for the given networkMode of this task definition.",
      );
    }
    return undefined;
  }
  if (awsvpc === undefined) {
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  const subnets = awsvpc.strings("subnets") ?? [];
  if (subnets.length === 0) throw invalidParameter("subnets can not be empty.");
  if (subnets.length > 16) throw invalidParameter("subnets can have at most 16 items.");
  if ((awsvpc.strings("securityGroups") ?? []).length > 5) {
    throw invalidParameter("securityGroups can have at most 5 items.");
  }
  const assignPublicIp = oneOf(
    awsvpc.string("assignPublicIp") ?? "DISABLED",
    ["ENABLED", "DISABLED"],
    "assignPublicIp",
  );
  return { awsvpcConfiguration: { ...structuredClone(awsvpc.value), assignPublicIp } };
}

/** placementConstraints: distinctInstance (no expression) or memberOf (with one), at most 10. */
export function placementConstraints(sent: JsonReader[] | undefined): JsonObject[] {
  const constraints = sent ?? [];
  if (constraints.length > 10) throw invalidParameter("placementConstraints can have at most 10 items.");
  return constraints.map((constraint) => {
    const type = oneOf(
      constraint.string("type") ?? "",
      ["distinctInstance", "memberOf"],
      "placementConstraints.type",
    );
    const expression = constraint.string("expression");
    if (type === "distinctInstance" && expression !== undefined) {
      throw invalidParameter("A distinctInstance placement constraint cannot have an expression.");
    }
    if (type === "memberOf" && expression === undefined) {
      throw invalidParameter("A memberOf placement constraint needs an expression.");
    }
    return structuredClone(constraint.value);
  });
}

/** placementStrategy: random, or spread / binpack over a field, at most 5. */
export function placementStrategy(sent: JsonReader[] | undefined): JsonObject[] {
  const strategies = sent ?? [];
  if (strategies.length > 5) throw invalidParameter("placementStrategy can have at most 5 items.");
  return strategies.map((strategy) => {
    const type = oneOf(
      strategy.string("type") ?? "",
      ["random", "spread", "binpack"],
      "placementStrategy.type",
    );
    if (type !== "random" && strategy.string("field") === undefined) {
      throw invalidParameter(`A ${type} placement strategy needs a field.`);
    }
    return structuredClone(strategy.value);
  });
}

/** A list of structures kept exactly as sent (serviceRegistries, loadBalancers). */
export function copies(sent: JsonReader[] | undefined): JsonObject[] {
  return (sent ?? []).map((item) => structuredClone(item.value));
}
