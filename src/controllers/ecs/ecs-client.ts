import {
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  type Failure,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type Tag,
  type Task,
  type TaskDefinition,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from "@aws-sdk/client-ecs";
import { CallPolicy, type CallPolicyOptions, DEFAULT_CALL_POLICY } from "../../aws/call-policy.js";
import { ECS_RATE_LIMITS } from "../../aws/ecs-limits.js";
import { classifyFailure, errorCode, errorMessage } from "../../aws/errors.js";
import type { BucketLimit } from "../../aws/rate-limits.js";
import type { TaskReader } from "./tasks.js";

/** DescribeServices takes at most this many services per call. */
export const DESCRIBE_SERVICES_BATCH = 10;

/** The few ECS operations the controller uses; tests and the CLI reach a real or local ECS through it. */
export interface EcsApi {
  describeServices(
    cluster: string,
    names: readonly string[],
  ): Promise<{ services: Service[]; failures: Failure[] }>;
  /** Undefined when ECS does not know the revision (never registered in this account and Region, or deleted). */
  describeTaskDefinition(arn: string): Promise<{ taskDefinition: TaskDefinition; tags: Tag[] } | undefined>;
  registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Promise<TaskDefinition>;
  /** The ARNs of a family's ACTIVE revisions, newest first, at most `max`. */
  newestTaskDefinitions(family: string, max: number): Promise<string[]>;
  /** Done as well when the revision is already INACTIVE, being deleted, or unknown to ECS. */
  deregisterTaskDefinition(arn: string): Promise<void>;
  createService(input: CreateServiceCommandInput): Promise<Service>;
  updateService(input: UpdateServiceCommandInput): Promise<Service>;
  deleteService(cluster: string, name: string): Promise<Service>;
}

export interface EcsClientOptions {
  readonly region: string;
  /** Omitted: the SDK's own resolution (AWS_ENDPOINT_URL_ECS, AWS_ENDPOINT_URL, then AWS). */
  readonly endpoint?: string | undefined;
  readonly policy?: CallPolicyOptions;
  /** Client-side pacing per ECS rate-limit category; ECS's documented buckets by default. */
  readonly buckets?: Readonly<Record<string, BucketLimit>>;
  /** Omitted: the SDK's default credential chain. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * ECS's one answer to DescribeTaskDefinition for a revision it does not know: a 400 ClientException
 * with this message, the same for a typo, a deleted revision or another account's ARN. Throttling,
 * 5xx and network failures say nothing about the revision.
 */
export function isUnknownTaskDefinition(error: unknown): boolean {
  return (
    errorCode(error) === "ClientException" &&
    errorMessage(error).startsWith("Unable to describe task definition")
  );
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`ECS returned no ${what}`);
  return value;
}

/** EcsApi over the real AWS SDK v3 client, with the SDK's retries off and ours on (see CallPolicy). */
export class SdkEcsApi implements EcsApi, TaskReader {
  private readonly client: ECSClient;
  private readonly policy: CallPolicy;

  constructor(options: EcsClientOptions) {
    this.client = new ECSClient({
      region: options.region,
      maxAttempts: 1,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    this.policy = new CallPolicy(
      "ecs",
      { ...ECS_RATE_LIMITS, buckets: options.buckets ?? ECS_RATE_LIMITS.buckets },
      options.policy ?? DEFAULT_CALL_POLICY,
    );
  }

  async describeServices(cluster: string, names: readonly string[]) {
    const out = await this.policy.call("DescribeServices", (abortSignal) =>
      this.client.send(new DescribeServicesCommand({ cluster, services: [...names], include: ["TAGS"] }), {
        abortSignal,
      }),
    );
    return { services: out.services ?? [], failures: out.failures ?? [] };
  }

  async describeTaskDefinition(arn: string) {
    try {
      const out = await this.policy.call("DescribeTaskDefinition", (abortSignal) =>
        this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }), {
          abortSignal,
        }),
      );
      return { taskDefinition: required(out.taskDefinition, "taskDefinition"), tags: out.tags ?? [] };
    } catch (error) {
      if (isUnknownTaskDefinition(error)) return undefined;
      throw error;
    }
  }

  async registerTaskDefinition(input: RegisterTaskDefinitionCommandInput) {
    const out = await this.policy.call("RegisterTaskDefinition", (abortSignal) =>
      this.client.send(new RegisterTaskDefinitionCommand(input), { abortSignal }),
    );
    return required(out.taskDefinition, "taskDefinition");
  }

  async newestTaskDefinitions(family: string, max: number) {
    const out = await this.policy.call("ListTaskDefinitions", (abortSignal) =>
      this.client.send(
        new ListTaskDefinitionsCommand({
          familyPrefix: family,
          status: "ACTIVE",
          sort: "DESC",
          maxResults: max,
        }),
        { abortSignal },
      ),
    );
    return out.taskDefinitionArns ?? [];
  }

  async deregisterTaskDefinition(arn: string) {
    try {
      await this.policy.call("DeregisterTaskDefinition", (abortSignal) =>
        this.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }), { abortSignal }),
      );
    } catch (error) {
      // ECS refuses a revision it no longer has as a ClientException; only a describe tells that
      // apart from a real refusal, and a revision that is not ACTIVE needs no deregistering.
      if (classifyFailure(error) !== "client") throw error;
      const described = await this.describeTaskDefinition(arn);
      if (described?.taskDefinition.status === "ACTIVE") throw error;
    }
  }

  async createService(input: CreateServiceCommandInput) {
    const out = await this.policy.call("CreateService", (abortSignal) =>
      this.client.send(new CreateServiceCommand(input), { abortSignal }),
    );
    return required(out.service, "service");
  }

  async updateService(input: UpdateServiceCommandInput) {
    const out = await this.policy.call("UpdateService", (abortSignal) =>
      this.client.send(new UpdateServiceCommand(input), { abortSignal }),
    );
    return required(out.service, "service");
  }

  async deleteService(cluster: string, name: string) {
    // force: a REPLICA service with running tasks is scaled in and drained by ECS itself.
    const out = await this.policy.call("DeleteService", (abortSignal) =>
      this.client.send(new DeleteServiceCommand({ cluster, service: name, force: true }), { abortSignal }),
    );
    return required(out.service, "service");
  }

  async listRunningTasks(cluster: string) {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const out = await this.policy.call("ListTasks", (abortSignal) =>
        this.client.send(
          new ListTasksCommand({ cluster, desiredStatus: "RUNNING", maxResults: 100, nextToken: token }),
          { abortSignal },
        ),
      );
      arns.push(...(out.taskArns ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    return arns;
  }

  async describeTasks(cluster: string, arns: readonly string[]): Promise<Task[]> {
    const out = await this.policy.call("DescribeTasks", (abortSignal) =>
      this.client.send(new DescribeTasksCommand({ cluster, tasks: [...arns] }), { abortSignal }),
    );
    return out.tasks ?? [];
  }

  async describeContainerInstances(cluster: string, arns: readonly string[]) {
    const out = await this.policy.call("DescribeContainerInstances", (abortSignal) =>
      this.client.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: [...arns] }), {
        abortSignal,
      }),
    );
    return new Map(
      (out.containerInstances ?? []).flatMap((ci) =>
        ci.containerInstanceArn && ci.ec2InstanceId
          ? [[ci.containerInstanceArn, ci.ec2InstanceId] as const]
          : [],
      ),
    );
  }
}
