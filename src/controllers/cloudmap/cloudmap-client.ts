import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  GetOperationCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ServiceDiscoveryClient,
} from "@aws-sdk/client-servicediscovery";
import { CallPolicy, type CallPolicyOptions, DEFAULT_CALL_POLICY } from "../../aws/call-policy.js";

export interface CloudMapNamespace {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly type: string;
}

export interface CloudMapService {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
}

export type OperationStatus = "SUBMITTED" | "PENDING" | "SUCCESS" | "FAIL";

/** The AWS Cloud Map calls the controller makes. */
export interface CloudMapApi {
  findNamespace(name: string): Promise<CloudMapNamespace | undefined>;
  /** Starts the asynchronous creation; returns its OperationId. */
  createNamespace(input: {
    name: string;
    type: "HTTP" | "DNS_PRIVATE";
    vpc: string | undefined;
    tags: { Key: string; Value: string }[];
  }): Promise<string>;
  getOperation(id: string): Promise<{ status: OperationStatus; error: string | undefined }>;
  listServices(namespaceId: string): Promise<CloudMapService[]>;
  createService(input: {
    name: string;
    namespaceId: string;
    dnsTtlSeconds: number | undefined;
    tags: { Key: string; Value: string }[];
  }): Promise<CloudMapService>;
}

export interface CloudMapClientOptions {
  readonly region: string;
  readonly endpoint?: string | undefined;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly policy?: CallPolicyOptions;
}

export class SdkCloudMapApi implements CloudMapApi {
  private readonly client: ServiceDiscoveryClient;
  private readonly policy: CallPolicy;

  constructor(options: CloudMapClientOptions) {
    this.client = new ServiceDiscoveryClient({
      region: options.region,
      maxAttempts: 1,
      // DiscoverInstances would otherwise go to data-<host>, which a local endpoint does not have.
      ...(options.endpoint ? { endpoint: options.endpoint, disableHostPrefix: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    this.policy = new CallPolicy(
      "servicediscovery",
      { buckets: {}, operations: {} },
      options.policy ?? DEFAULT_CALL_POLICY,
    );
  }

  async findNamespace(name: string) {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const out = await this.policy.call("ListNamespaces", (abortSignal) =>
        this.client.send(new ListNamespacesCommand({ NextToken: token, MaxResults: 100 }), { abortSignal }),
      );
      const found = out.Namespaces?.find((n) => n.Name === name);
      if (found?.Id && found.Arn) return { id: found.Id, arn: found.Arn, name, type: found.Type ?? "" };
      nextToken = out.NextToken;
    } while (nextToken);
    return undefined;
  }

  async createNamespace(input: Parameters<CloudMapApi["createNamespace"]>[0]) {
    // The request id makes a retried create the same request, not a second namespace.
    const CreatorRequestId = `ecsmesh-${input.name}`;
    const out = await this.policy.call("CreateNamespace", (abortSignal) =>
      input.type === "HTTP"
        ? this.client.send(
            new CreateHttpNamespaceCommand({ Name: input.name, CreatorRequestId, Tags: input.tags }),
            {
              abortSignal,
            },
          )
        : this.client.send(
            new CreatePrivateDnsNamespaceCommand({
              Name: input.name,
              Vpc: input.vpc,
              CreatorRequestId,
              Tags: input.tags,
            }),
            { abortSignal },
          ),
    );
    if (!out.OperationId) throw new Error("Cloud Map returned no OperationId");
    return out.OperationId;
  }

  async getOperation(id: string) {
    const out = await this.policy.call("GetOperation", (abortSignal) =>
      this.client.send(new GetOperationCommand({ OperationId: id }), { abortSignal }),
    );
    return {
      status: (out.Operation?.Status ?? "PENDING") as OperationStatus,
      error: out.Operation?.ErrorMessage,
    };
  }

  async listServices(namespaceId: string) {
    const services: CloudMapService[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const out = await this.policy.call("ListServices", (abortSignal) =>
        this.client.send(
          new ListServicesCommand({
            NextToken: token,
            MaxResults: 100,
            Filters: [{ Name: "NAMESPACE_ID", Values: [namespaceId], Condition: "EQ" }],
          }),
          { abortSignal },
        ),
      );
      for (const s of out.Services ?? [])
        if (s.Id && s.Arn && s.Name) services.push({ id: s.Id, arn: s.Arn, name: s.Name });
      nextToken = out.NextToken;
    } while (nextToken);
    return services;
  }

  async createService(input: Parameters<CloudMapApi["createService"]>[0]) {
    const out = await this.policy.call("CreateService", (abortSignal) =>
      this.client.send(
        new CreateServiceCommand({
          Name: input.name,
          NamespaceId: input.namespaceId,
          CreatorRequestId: `ecsmesh-${input.namespaceId}-${input.name}`,
          Tags: input.tags,
          ...(input.dnsTtlSeconds === undefined
            ? {}
            : {
                DnsConfig: {
                  RoutingPolicy: "MULTIVALUE",
                  DnsRecords: [{ Type: "SRV", TTL: input.dnsTtlSeconds }],
                },
              }),
        }),
        { abortSignal },
      ),
    );
    const service = out.Service;
    if (!service?.Id || !service.Arn) throw new Error("Cloud Map returned no service");
    return { id: service.Id, arn: service.Arn, name: input.name };
  }
}
