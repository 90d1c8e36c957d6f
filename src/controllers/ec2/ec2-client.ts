import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CallPolicy, type CallPolicyOptions, DEFAULT_CALL_POLICY } from "../../aws/call-policy.js";
import { EC2_RATE_LIMITS } from "../../aws/ec2-limits.js";
import type { InstanceAddresses } from "../ecs/tasks.js";

export interface Ec2ClientOptions {
  readonly region: string;
  /** Omitted: AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL, then AWS. */
  readonly endpoint?: string | undefined;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly policy?: CallPolicyOptions;
}

/**
 * Ids go in an `instance-id` filter, not InstanceIds: with InstanceIds one terminated instance
 * fails the whole call (InvalidInstanceID.NotFound), a filter just leaves it out. 200 values
 * per filter is EC2's limit.
 */
const DESCRIBE_INSTANCES_BATCH = 200;

/** Private IPs of the EC2 container instances behind bridge and host tasks. */
export class SdkEc2Addresses implements InstanceAddresses {
  private readonly client: EC2Client;
  private readonly policy: CallPolicy;

  constructor(options: Ec2ClientOptions) {
    this.client = new EC2Client({
      region: options.region,
      maxAttempts: 1,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    this.policy = new CallPolicy("ec2", EC2_RATE_LIMITS, options.policy ?? DEFAULT_CALL_POLICY);
  }

  async privateIps(instanceIds: readonly string[]): Promise<Map<string, string>> {
    const ips = new Map<string, string>();
    for (let i = 0; i < instanceIds.length; i += DESCRIBE_INSTANCES_BATCH) {
      const batch = instanceIds.slice(i, i + DESCRIBE_INSTANCES_BATCH);
      const out = await this.policy.call("DescribeInstances", (abortSignal) =>
        this.client.send(
          new DescribeInstancesCommand({
            Filters: [{ Name: "instance-id", Values: batch }],
            MaxResults: 1000,
          }),
          { abortSignal },
        ),
      );
      for (const reservation of out.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (instance.InstanceId && instance.PrivateIpAddress)
            ips.set(instance.InstanceId, instance.PrivateIpAddress);
        }
      }
    }
    return ips;
  }
}
