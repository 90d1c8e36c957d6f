import type { RunningTask } from "../../../src/controllers/ecs/tasks.js";

/** A RUNNING task of `service` on a bridge-mode instance, container port 8080 at host port 32768. */
export function task(service: string, id: string, extra: Partial<RunningTask> = {}): RunningTask {
  return {
    service,
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/demo/${id}`,
    taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/demo-${service}:3`,
    address: "10.0.0.5",
    ports: new Map([[8080, 32768]]),
    awsvpc: false,
    health: "UNKNOWN",
    availabilityZone: "us-east-1a",
    containerInstanceArn: "ci-1",
    ...extra,
  };
}
