import type { DeploymentRecord, ServiceRecord } from "./state.js";

interface Counts {
  running: number;
  pending: number;
  /** Tasks the scheduler still wants running (not asked to stop). */
  wanted: number;
}

/** A service as DescribeServices shows it, with task counts taken from its live tasks. */
export function serviceView(service: ServiceRecord, includeTags: boolean): Record<string, unknown> {
  const counts = new Map<DeploymentRecord, Counts>();
  const total: Counts = { running: 0, pending: 0, wanted: 0 };
  for (const task of service.tasks) {
    let count = counts.get(task.deployment);
    if (count === undefined) {
      count = { running: 0, pending: 0, wanted: 0 };
      counts.set(task.deployment, count);
    }
    for (const tally of [count, total]) {
      if (task.lastStatus === "RUNNING") tally.running += 1;
      if (task.lastStatus === "PENDING") tally.pending += 1;
      if (task.desiredStatus === "RUNNING") tally.wanted += 1;
    }
  }
  const { settings } = service;
  const fargate = service.platformVersion === undefined ? {} : { platformVersion: service.platformVersion };
  const deployments = service.deployments.map((deployment) => {
    const count = counts.get(deployment) ?? { running: 0, pending: 0, wanted: 0 };
    return {
      id: deployment.id,
      status: deployment.status,
      taskDefinition: deployment.taskDefinition.arn,
      desiredCount: deployment.status === "PRIMARY" ? service.desiredCount : count.wanted,
      pendingCount: count.pending,
      runningCount: count.running,
      failedTasks: deployment.failedTasks,
      createdAt: deployment.createdAt,
      updatedAt: deployment.updatedAt,
      launchType: service.launchType,
      ...fargate,
      ...(deployment.networkConfiguration ? { networkConfiguration: deployment.networkConfiguration } : {}),
      rolloutState: deployment.rolloutState,
      rolloutStateReason: deployment.rolloutStateReason,
    };
  });
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.cluster.arn,
    loadBalancers: settings.loadBalancers,
    serviceRegistries: settings.serviceRegistries,
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: total.running,
    pendingCount: total.pending,
    launchType: service.launchType,
    ...fargate,
    taskDefinition: service.taskDefinition.arn,
    deploymentConfiguration: settings.deployment.shown,
    deployments,
    events: service.events,
    createdAt: service.createdAt,
    placementConstraints: settings.placementConstraints,
    placementStrategy: settings.placementStrategy,
    ...(settings.networkConfiguration ? { networkConfiguration: settings.networkConfiguration } : {}),
    ...(settings.healthCheckGracePeriodSeconds === undefined
      ? {}
      : { healthCheckGracePeriodSeconds: settings.healthCheckGracePeriodSeconds }),
    schedulingStrategy: service.schedulingStrategy,
    deploymentController: { type: "ECS" },
    createdBy: service.createdBy,
    enableECSManagedTags: settings.enableECSManagedTags,
    propagateTags: settings.propagateTags,
    enableExecuteCommand: settings.enableExecuteCommand,
    ...(includeTags ? { tags: service.tags } : {}),
  };
}
