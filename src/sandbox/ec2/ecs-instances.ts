import type { EcsState } from "../ecs/state.js";
import type { SimulatedInstance } from "./instance.js";

/** What the ECS simulation's container instances report as their `ecs.instance-type` attribute. */
const ECS_INSTANCE_TYPE = "m5.large";

/**
 * The EC2 instances behind an ECS simulation's container instances, read afresh on every call, so
 * that a local EC2 and a local ECS describe one account.
 */
export function instancesOf(state: EcsState): () => SimulatedInstance[] {
  return () =>
    [...state.clusters.values()].flatMap((cluster) =>
      cluster.instances.map((instance) => ({
        instanceId: instance.ec2InstanceId,
        privateIp: instance.privateIp,
        availabilityZone: instance.availabilityZone,
        instanceType: ECS_INSTANCE_TYPE,
        launchTime: instance.registeredAt,
        // The name the ECS console's cluster template gives its instances.
        tags: [{ key: "Name", value: `ECS Instance - EC2ContainerService-${cluster.name}` }],
      })),
    );
}
