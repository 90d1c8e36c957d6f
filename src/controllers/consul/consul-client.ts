import { CallPolicy, type CallPolicyOptions, DEFAULT_CALL_POLICY } from "../../aws/call-policy.js";
import { HttpStatusError } from "../../util/http-status-error.js";
import type { TxnOp } from "./model.js";
import type { ObservedService } from "./plan.js";

/** The Consul HTTP API calls the controller makes. */
export interface ConsulApi {
  /** GET /v1/catalog/node-services/:node; `exists` false for an unknown node. */
  nodeServices(node: string): Promise<{ exists: boolean; services: ObservedService[] }>;
  /** GET /v1/health/node/:node: check id -> owning service id and definition. */
  nodeChecks(
    node: string,
  ): Promise<Map<string, { serviceId: string; definition: Record<string, unknown> | undefined }>>;
  /** PUT /v1/txn: all operations or none. */
  txn(ops: readonly TxnOp[]): Promise<void>;
  /** GET /v1/catalog/service/:service: every instance of a service, on any node. */
  serviceInstances(service: string): Promise<ObservedService[]>;
}

/** The definition keys we set; Consul reports more, which are not ours to compare. */
const DEFINITION_KEYS = ["HTTP", "Interval", "Timeout", "DeregisterCriticalServiceAfter"] as const;

interface CatalogService {
  ID: string;
  Service: string;
  Tags: string[] | null;
  Address: string;
  Port: number;
  Meta: Record<string, string> | null;
}

export interface ConsulClientOptions {
  /** CONSUL_HTTP_ADDR or the Mesh's consul.address. */
  readonly address: string;
  /** CONSUL_HTTP_TOKEN; never from manifests, never logged. */
  readonly token: string | undefined;
  readonly policy?: CallPolicyOptions;
}

export class HttpConsulApi implements ConsulApi {
  private readonly policy: CallPolicy;

  constructor(private readonly options: ConsulClientOptions) {
    this.policy = new CallPolicy(
      "consul",
      { buckets: {}, operations: {} },
      options.policy ?? DEFAULT_CALL_POLICY,
    );
  }

  private async request(operation: string, method: string, path: string, body?: unknown): Promise<unknown> {
    return this.policy.call(operation, async (signal) => {
      const response = await fetch(new URL(path, this.options.address), {
        method,
        signal,
        headers: {
          ...(this.options.token ? { "X-Consul-Token": this.options.token } : {}),
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok)
        throw new HttpStatusError(response.status, `${method} ${path}: ${response.status} ${text.trim()}`);
      return text === "" ? null : JSON.parse(text);
    });
  }

  async nodeServices(node: string) {
    try {
      const out = (await this.request(
        "CatalogNodeServices",
        "GET",
        `/v1/catalog/node-services/${encodeURIComponent(node)}`,
      )) as {
        Node: unknown;
        Services: CatalogService[] | null;
      } | null;
      if (!out?.Node) return { exists: false, services: [] };
      return {
        exists: true,
        services: (out.Services ?? []).map((s) => ({
          id: s.ID,
          service: s.Service,
          tags: s.Tags ?? [],
          address: s.Address,
          port: s.Port,
          meta: s.Meta ?? {},
        })),
      };
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 404) return { exists: false, services: [] };
      throw error;
    }
  }

  async nodeChecks(node: string) {
    const out = ((await this.request("HealthNode", "GET", `/v1/health/node/${encodeURIComponent(node)}`)) ??
      []) as {
      CheckID: string;
      ServiceID: string;
      Definition?: Record<string, unknown>;
    }[];
    return new Map(
      out
        .filter((c) => c.ServiceID !== "")
        .map((c) => [
          c.CheckID,
          {
            serviceId: c.ServiceID,
            definition:
              c.Definition && Object.fromEntries(DEFINITION_KEYS.map((k) => [k, c.Definition?.[k]])),
          },
        ]),
    );
  }

  async txn(ops: readonly TxnOp[]) {
    await this.request("Txn", "PUT", "/v1/txn", ops);
  }

  async serviceInstances(service: string) {
    const out = ((await this.request(
      "CatalogService",
      "GET",
      `/v1/catalog/service/${encodeURIComponent(service)}`,
    )) ?? []) as {
      ServiceID: string;
      ServiceName: string;
      ServiceTags: string[] | null;
      ServiceAddress: string;
      Address: string;
      ServicePort: number;
      ServiceMeta: Record<string, string> | null;
    }[];
    return out.map((s) => ({
      id: s.ServiceID,
      service: s.ServiceName,
      tags: s.ServiceTags ?? [],
      // An empty ServiceAddress means the node's address, as Consul documents.
      address: s.ServiceAddress || s.Address,
      port: s.ServicePort,
      meta: s.ServiceMeta ?? {},
    }));
  }
}
