import { stableId } from "./ids.js";

export interface Ec2Tag {
  readonly key: string;
  readonly value: string;
}

/** The codes EC2 gives each state (the low byte of `instanceState.code`). */
export const STATE_CODES = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;

export type InstanceStateName = keyof typeof STATE_CODES;

/** An EC2 instance as a simulation knows it; what it leaves out gets EC2-like defaults. */
export interface SimulatedInstance {
  readonly instanceId: string;
  readonly privateIp: string;
  readonly availabilityZone: string;
  /** Default running. */
  readonly state?: InstanceStateName;
  /** Default t3.micro. */
  readonly instanceType?: string;
  /** Default an AMI id derived from the Region. */
  readonly imageId?: string;
  /** Default the account's one VPC. */
  readonly vpcId?: string;
  /** Default one subnet per Availability Zone. */
  readonly subnetId?: string;
  /** Default when the server started. */
  readonly launchTime?: Date;
  readonly tags?: readonly Ec2Tag[];
}

/** The account and Region the instances live in, for the defaults that depend on them. */
export interface Ec2Account {
  readonly accountId: string;
  readonly region: string;
  readonly startedAt: Date;
}

/** Everything DescribeInstances shows and filters on. */
export interface InstanceView {
  readonly instanceId: string;
  readonly reservationId: string;
  readonly state: InstanceStateName;
  /** Undefined once terminated: the address is released. */
  readonly privateIp: string | undefined;
  /** Empty once terminated. */
  readonly privateDnsName: string;
  readonly availabilityZone: string;
  readonly instanceType: string;
  readonly imageId: string;
  readonly vpcId: string;
  readonly subnetId: string;
  readonly launchTime: Date;
  readonly tags: readonly Ec2Tag[];
}

export function viewOf(instance: SimulatedInstance, account: Ec2Account): InstanceView {
  const state = instance.state ?? "running";
  const privateIp = state === "terminated" ? undefined : instance.privateIp;
  return {
    instanceId: instance.instanceId,
    // One instance per reservation, as an Auto Scaling group launches them.
    reservationId: stableId("r", instance.instanceId),
    state,
    privateIp,
    privateDnsName: privateIp === undefined ? "" : privateDnsName(privateIp, account.region),
    availabilityZone: instance.availabilityZone,
    instanceType: instance.instanceType ?? "t3.micro",
    imageId: instance.imageId ?? stableId("ami", account.region),
    vpcId: instance.vpcId ?? stableId("vpc", `${account.accountId}/${account.region}`),
    subnetId: instance.subnetId ?? stableId("subnet", `${account.accountId}/${instance.availabilityZone}`),
    launchTime: instance.launchTime ?? account.startedAt,
    tags: instance.tags ?? [],
  };
}

/** EC2's IP-based hostnames: us-east-1 has its own domain. */
function privateDnsName(ip: string, region: string): string {
  const host = `ip-${ip.replaceAll(".", "-")}`;
  return region === "us-east-1" ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}
