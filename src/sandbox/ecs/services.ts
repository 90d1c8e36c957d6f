import type { AwsJsonHandler } from "../aws-json-server.js";
import { canonicalJson } from "../json.js";
import { JsonReader } from "../json-reader.js";
import { ecsArn, shortName } from "./arns.js";
import { startDeployment } from "./deployments.js";
import { clientError, invalidParameter, oneOf, serviceNotActive } from "./errors.js";
import { paginate } from "./pagination.js";
import { findTaskDefinition, resolveCluster, resolveService } from "./resolve.js";
import {
  copies,
  deploymentSettings,
  networkConfiguration,
  placementConstraints,
  placementStrategy,
} from "./service-settings.js";
import { serviceView } from "./service-view.js";
import {
  type EcsState,
  LAUNCH_TYPE_VALUES,
  type LaunchType,
  type SchedulingStrategy,
  type ServiceRecord,
  type TaskDefinitionRecord,
} from "./state.js";
import { parseTags } from "./tags.js";

const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLIENT_TOKEN = /^[\x21-\x7e]{1,36}$/;
const SCHEDULING_STRATEGIES: readonly SchedulingStrategy[] = ["REPLICA", "DAEMON"];
const PROPAGATE_TAGS = ["TASK_DEFINITION", "SERVICE", "NONE"] as const;

/** The scheduler's hook: a service whose tasks must change. */
export type Wake = (service: ServiceRecord) => void;

export function serviceOperations(state: EcsState, wake: Wake): Record<string, AwsJsonHandler> {
  return {
    /** CreateService: idempotent per clientToken; a live service of the same name is an error. */
    CreateService: (input) => {
      const cluster = resolveCluster(state, input.string("cluster"));
      const name = input.string("serviceName");
      if (name === undefined || name === "") throw invalidParameter("serviceName must be specified.");
      if (!SERVICE_NAME.test(name)) {
        throw invalidParameter(
          "Service names can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.",
        );
      }
      const clientToken = input.string("clientToken");
      if (clientToken !== undefined && !CLIENT_TOKEN.test(clientToken)) {
        throw invalidParameter("clientToken can have up to 36 ASCII characters in the range of 33-126.");
      }
      const digest = canonicalJson(input.value);
      const existing = cluster.services.get(name);
      if (existing !== undefined && existing.status !== "INACTIVE") {
        const same = clientToken !== undefined && existing.creation.clientToken === clientToken;
        if (same && existing.creation.digest === digest) return { service: serviceView(existing, false) };
        throw invalidParameter("Creation of service was not idempotent.");
      }

      const controller = input.object("deploymentController")?.string("type") ?? "ECS";
      if (controller !== "ECS") {
        throw invalidParameter(
          `The sandbox simulates the ECS deployment controller only, not ${controller}.`,
        );
      }
      refuseCapacityProviders(input);
      const schedulingStrategy = oneOf(
        input.string("schedulingStrategy") ?? "REPLICA",
        SCHEDULING_STRATEGIES,
        "schedulingStrategy",
      );
      const launchType = launchTypeOf(input.string("launchType") ?? "EC2");
      const taskDefinition = activeTaskDefinition(state, input.string("taskDefinition"), launchType);
      const constraints = placementConstraints(input.objects("placementConstraints"));
      const strategy = placementStrategy(input.objects("placementStrategy"));
      if (launchType === "FARGATE" && (constraints.length > 0 || strategy.length > 0)) {
        throw invalidParameter(
          "Task placement constraints and strategies are not supported with the FARGATE launch type.",
        );
      }
      if (launchType === "FARGATE" && schedulingStrategy === "DAEMON") {
        throw invalidParameter("The DAEMON scheduling strategy does not support the FARGATE launch type.");
      }
      const desiredCount = desiredCountOf(input, schedulingStrategy, cluster.instances.length);

      const service: ServiceRecord = {
        arn: ecsArn(state, "service", `${cluster.name}/${name}`),
        name,
        cluster,
        status: "ACTIVE",
        desiredCount,
        schedulingStrategy,
        launchType,
        platformVersion: launchType === "FARGATE" ? (input.string("platformVersion") ?? "LATEST") : undefined,
        taskDefinition,
        settings: {
          deployment: deploymentSettings(input.object("deploymentConfiguration"), schedulingStrategy),
          networkConfiguration: networkConfiguration(input.object("networkConfiguration"), taskDefinition),
          placementConstraints: constraints,
          placementStrategy: strategy,
          serviceRegistries: copies(input.objects("serviceRegistries")),
          loadBalancers: copies(input.objects("loadBalancers")),
          propagateTags: oneOf(input.string("propagateTags") ?? "NONE", PROPAGATE_TAGS, "propagateTags"),
          enableECSManagedTags: input.boolean("enableECSManagedTags") ?? false,
          enableExecuteCommand: input.boolean("enableExecuteCommand") ?? false,
          healthCheckGracePeriodSeconds: input.integer("healthCheckGracePeriodSeconds"),
        },
        deployments: [],
        events: [],
        tasks: new Set(),
        tags: parseTags(input),
        createdAt: new Date(),
        createdBy: `arn:aws:iam::${state.accountId}:root`,
        creation: { clientToken, digest },
        lastCompleted: undefined,
        steady: false,
        inactiveAt: undefined,
        placementFailure: undefined,
      };
      startDeployment(service, taskDefinition, service.settings.networkConfiguration);
      cluster.services.set(name, service);
      wake(service);
      return { service: serviceView(service, false) };
    },

    /** UpdateService: a new task definition, network configuration or forceNewDeployment starts a deployment. */
    UpdateService: (input) => {
      const cluster = resolveCluster(state, input.string("cluster"));
      const service = resolveService(cluster, input.string("service"));
      if (service.status !== "ACTIVE") throw serviceNotActive();
      refuseCapacityProviders(input);
      const { settings } = service;

      const desiredCount = input.integer("desiredCount");
      if (desiredCount !== undefined) {
        if (service.schedulingStrategy === "DAEMON") {
          throw invalidParameter("The DAEMON scheduling strategy does not support a desired count.");
        }
        if (desiredCount < 0) throw invalidParameter("desiredCount must be at least 0.");
      }
      const reference = input.string("taskDefinition");
      const taskDefinition =
        reference === undefined
          ? service.taskDefinition
          : activeTaskDefinition(state, reference, service.launchType);
      const sentNetwork = input.object("networkConfiguration");
      const keptNetwork =
        settings.networkConfiguration && taskDefinition.networkMode === "awsvpc"
          ? new JsonReader(settings.networkConfiguration, "networkConfiguration")
          : undefined;
      const network = networkConfiguration(sentNetwork ?? keptNetwork, taskDefinition);
      const deployment = input.has("deploymentConfiguration")
        ? deploymentSettings(
            input.object("deploymentConfiguration"),
            service.schedulingStrategy,
            settings.deployment,
          )
        : settings.deployment;
      const constraints = input.has("placementConstraints")
        ? placementConstraints(input.objects("placementConstraints"))
        : settings.placementConstraints;
      const strategy = input.has("placementStrategy")
        ? placementStrategy(input.objects("placementStrategy"))
        : settings.placementStrategy;
      const sentPropagateTags = input.string("propagateTags");
      const propagateTags =
        sentPropagateTags === undefined
          ? settings.propagateTags
          : oneOf(sentPropagateTags, PROPAGATE_TAGS, "propagateTags");

      // Everything is validated: apply.
      if (desiredCount !== undefined) service.desiredCount = desiredCount;
      settings.deployment = deployment;
      settings.placementConstraints = constraints;
      settings.placementStrategy = strategy;
      if (input.has("serviceRegistries"))
        settings.serviceRegistries = copies(input.objects("serviceRegistries"));
      if (input.has("loadBalancers")) settings.loadBalancers = copies(input.objects("loadBalancers"));
      settings.propagateTags = propagateTags;
      settings.enableECSManagedTags = input.boolean("enableECSManagedTags") ?? settings.enableECSManagedTags;
      settings.enableExecuteCommand = input.boolean("enableExecuteCommand") ?? settings.enableExecuteCommand;
      settings.healthCheckGracePeriodSeconds =
        input.integer("healthCheckGracePeriodSeconds") ?? settings.healthCheckGracePeriodSeconds;
      const redeploy =
        taskDefinition !== service.taskDefinition ||
        canonicalJson(network) !== canonicalJson(settings.networkConfiguration) ||
        input.boolean("forceNewDeployment") === true;
      if (redeploy) startDeployment(service, taskDefinition, network);
      service.steady = false;
      wake(service);
      return { service: serviceView(service, false) };
    },

    /** DeleteService: refused while scaled above 0 unless forced; then DRAINING until its tasks stop, then INACTIVE. */
    DeleteService: (input) => {
      const cluster = resolveCluster(state, input.string("cluster"));
      const service = resolveService(cluster, input.string("service"));
      if (service.status !== "ACTIVE") throw serviceNotActive();
      const force = input.boolean("force") ?? false;
      if (service.schedulingStrategy === "REPLICA" && service.desiredCount > 0 && !force) {
        throw invalidParameter("The service cannot be stopped while it is scaled above 0.");
      }
      service.status = "DRAINING";
      service.desiredCount = 0;
      service.steady = false;
      wake(service);
      return { service: serviceView(service, false) };
    },

    /** DescribeServices: up to 10; unknown names come back as MISSING failures; tags with include TAGS. */
    DescribeServices: (input) => {
      const cluster = resolveCluster(state, input.string("cluster"));
      const names = input.strings("services");
      if (names === undefined || names.length === 0) throw invalidParameter("services can not be empty.");
      if (names.length > 10) throw invalidParameter("services can have at most 10 items.");
      const include = (input.strings("include") ?? []).map((field) => oneOf(field, ["TAGS"], "include"));
      const services: Record<string, unknown>[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const identifier of names) {
        const service = cluster.services.get(shortName(identifier));
        if (service === undefined) {
          failures.push({
            arn: ecsArn(state, "service", `${cluster.name}/${shortName(identifier)}`),
            reason: "MISSING",
          });
        } else {
          services.push(serviceView(service, include.includes("TAGS")));
        }
      }
      return { services, failures };
    },

    /** ListServices: ACTIVE services, 10 per page unless maxResults (1..100) says otherwise. */
    ListServices: (input) => {
      const cluster = resolveCluster(state, input.string("cluster"));
      const launchType = input.string("launchType");
      const scheduling = input.string("schedulingStrategy");
      if (launchType !== undefined) oneOf(launchType, LAUNCH_TYPE_VALUES, "launchType");
      if (scheduling !== undefined) oneOf(scheduling, SCHEDULING_STRATEGIES, "schedulingStrategy");
      const matching = [...cluster.services.values()].filter(
        (service) =>
          service.status === "ACTIVE" &&
          (launchType === undefined || service.launchType === launchType) &&
          (scheduling === undefined || service.schedulingStrategy === scheduling),
      );
      const page = paginate(matching, input, 10);
      return { serviceArns: page.items.map((service) => service.arn), nextToken: page.nextToken };
    },
  };
}

function launchTypeOf(value: string): LaunchType {
  const launchType = oneOf(value, LAUNCH_TYPE_VALUES, "launchType");
  if (launchType === "MANAGED_INSTANCES") {
    throw invalidParameter("Amazon ECS Managed Instances need a capacityProviderStrategy, not a launchType.");
  }
  return launchType;
}

/** The sandbox's clusters have no capacity providers, so any strategy names an unknown one. */
function refuseCapacityProviders(input: JsonReader): void {
  if ((input.objects("capacityProviderStrategy") ?? []).length > 0) {
    throw invalidParameter(
      "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.",
    );
  }
}

function activeTaskDefinition(
  state: EcsState,
  reference: string | undefined,
  launchType: LaunchType,
): TaskDefinitionRecord {
  if (reference === undefined || reference === "")
    throw invalidParameter("taskDefinition must be specified.");
  const taskDefinition = findTaskDefinition(state, reference);
  if (taskDefinition === undefined) throw clientError("TaskDefinition not found.");
  if (taskDefinition.status !== "ACTIVE") throw clientError("TaskDefinition is inactive.");
  if (!taskDefinition.compatibilities.includes(launchType)) {
    throw invalidParameter(`Task definition does not support launch_type ${launchType}.`);
  }
  return taskDefinition;
}

/** REPLICA services need a desired count; DAEMON services run one task per container instance. */
function desiredCountOf(input: JsonReader, scheduling: SchedulingStrategy, instances: number): number {
  const desiredCount = input.integer("desiredCount");
  if (scheduling === "DAEMON") {
    if (desiredCount !== undefined) {
      throw invalidParameter("The DAEMON scheduling strategy does not support a desired count.");
    }
    return instances;
  }
  if (desiredCount === undefined) {
    throw invalidParameter("desiredCount is required for services with the REPLICA scheduling strategy.");
  }
  if (desiredCount < 0) throw invalidParameter("desiredCount must be at least 0.");
  return desiredCount;
}
