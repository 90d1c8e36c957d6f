import { CallPolicy, type CallPolicyOptions, DEFAULT_CALL_POLICY } from "../../aws/call-policy.js";
import { errorMessage } from "../../aws/errors.js";
import { formatDuration } from "../../specs/duration.js";
import {
  fetchWithoutRedirects,
  MIB,
  ResponseTooLargeError,
  readCapped,
  readErrorExcerpt,
} from "../../util/bounded-http.js";
import { type ScopedToken, UntrustedEndpointError } from "../../util/endpoint-trust.js";
import { HttpStatusError } from "../../util/http-status-error.js";
import type { Logger } from "../../util/logger.js";
import type { CatalogEntry, TxnOp } from "./model.js";

/** The Consul HTTP API calls the controller makes. */
export interface ConsulApi {
  /** GET /v1/catalog/node-services/:node; `exists` false (and no meta) for an unknown node. */
  nodeServices(
    node: string,
  ): Promise<{ exists: boolean; meta: Record<string, string>; services: CatalogEntry[] }>;
  /** GET /v1/health/node/:node: check id -> owning service id and definition. */
  nodeChecks(
    node: string,
  ): Promise<Map<string, { serviceId: string; definition: Record<string, unknown> | undefined }>>;
  /** PUT /v1/txn: all operations or none. */
  txn(ops: readonly TxnOp[]): Promise<void>;
  /** GET /v1/catalog/service/:service: every instance of a service, on any node. */
  serviceInstances(service: string): Promise<CatalogEntry[]>;
  /** GET /v1/kv/:prefix?recurse: key -> value (decoded), empty when nothing is there. */
  kvList(prefix: string): Promise<Map<string, string>>;
  /** GET /v1/kv/:key: the value, the holder session of its lock if any. */
  kvGet(key: string): Promise<{ value: string; session: string | undefined } | undefined>;
  /** PUT /v1/kv/:key?acquire|release=<session>: true when the lock was taken (or released). */
  kvLock(key: string, value: string, session: string, verb: "acquire" | "release"): Promise<boolean>;
  /** PUT /v1/session/create: a session that dies when not renewed within `ttl`. */
  sessionCreate(input: { name: string; ttl: string; lockDelay: string }): Promise<string>;
  /** PUT /v1/session/renew/:id: false when the session is gone (expired or destroyed). */
  sessionRenew(id: string): Promise<boolean>;
  /** PUT /v1/session/destroy/:id: releases its locks. */
  sessionDestroy(id: string): Promise<void>;
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
  /** CONSUL_HTTP_TOKEN, with where it may go; never from manifests, never logged. */
  readonly token: ScopedToken | undefined;
  readonly policy?: CallPolicyOptions;
  /** Where retried failures are reported; without it they are retried quietly. */
  readonly log?: Logger;
}

/**
 * A Consul call that got no answer (or none that parsed). `code` is the network error's (e.g.
 * ECONNREFUSED), so the failure is still classified, and reported, as a network failure.
 */
class ConsulCallError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    options: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Room for a 1,000-service catalog or inventory (a few hundred bytes each), not for a hostile answer. */
const MAX_ANSWER_BYTES = 8 * MIB;

/** Node's network error codes, in words. */
const NETWORK_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed",
};

export class HttpConsulApi implements ConsulApi {
  private readonly policy: CallPolicy;
  private readonly timeoutMs: number;
  /** The address as errors and logs show it: scheme, host and port, never credentials. */
  private readonly endpoint: string;

  constructor(private readonly options: ConsulClientOptions) {
    this.endpoint = new URL(options.address).origin;
    const policy = options.policy ?? DEFAULT_CALL_POLICY;
    this.timeoutMs = policy.timeoutMs;
    this.policy = new CallPolicy(
      "consul",
      { buckets: {}, operations: {} },
      {
        ...policy,
        onRetry: (retry) => {
          policy.onRetry?.(retry);
          this.options.log?.warn(
            {
              consul: this.endpoint,
              operation: retry.operation,
              attempt: retry.attempt,
              maxAttempts: retry.maxAttempts,
              err: failureReason(retry.error, this.timeoutMs).reason,
            },
            "Consul call failed; retrying",
          );
        },
      },
    );
  }

  /**
   * One call; `raw` sends a string body as it is (KV values) instead of as JSON. A final failure
   * names the endpoint, the request and the attempts made.
   */
  private async request(
    operation: string,
    method: string,
    path: string,
    body?: unknown,
    raw = false,
  ): Promise<unknown> {
    let attempts = 0;
    const call = `Consul ${this.endpoint} ${method} ${path}`;
    try {
      const url = new URL(path, this.options.address);
      const token = this.options.token?.valueFor(url);
      return await this.policy.call(operation, async (signal) => {
        attempts++;
        const response = await fetchWithoutRedirects(url, {
          method,
          signal,
          headers: {
            ...(token ? { "X-Consul-Token": token } : {}),
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: raw ? String(body) : JSON.stringify(body) }),
        });
        if (!response.ok)
          throw new HttpStatusError(
            response.status,
            `${response.status} ${await readErrorExcerpt(response)}`,
          );
        const text = await readCapped(response, MAX_ANSWER_BYTES, call);
        return text === "" ? null : JSON.parse(text);
      });
    } catch (error) {
      const after = `after ${attempts} ${attempts === 1 ? "attempt" : "attempts"}`;
      // Still an HttpStatusError, so callers can tell a 404 and the policy's classification holds.
      if (error instanceof HttpStatusError)
        throw new HttpStatusError(error.status, `${call}: ${error.message} ${after}`);
      // Refusals already say what to fix, and stay client errors (not retried, Stalled in status).
      if (error instanceof UntrustedEndpointError || error instanceof ResponseTooLargeError) throw error;
      const { reason, code } = failureReason(error, this.timeoutMs);
      throw new ConsulCallError(`${call}: ${reason} ${after}`, code, { cause: error });
    }
  }

  async nodeServices(node: string) {
    try {
      const out = (await this.request(
        "CatalogNodeServices",
        "GET",
        `/v1/catalog/node-services/${encodeURIComponent(node)}`,
      )) as {
        Node: { Meta: Record<string, string> | null } | null;
        Services: CatalogService[] | null;
      } | null;
      if (!out?.Node) return { exists: false, meta: {}, services: [] };
      return {
        exists: true,
        meta: out.Node.Meta ?? {},
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
      if (error instanceof HttpStatusError && error.status === 404)
        return { exists: false, meta: {}, services: [] };
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
              c.Definition &&
              Object.fromEntries(DEFINITION_KEYS.map((k) => [k, canonical(c.Definition?.[k])])),
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

  async kvList(prefix: string) {
    try {
      const out = ((await this.request("KVGet", "GET", `/v1/kv/${encodeKey(prefix)}?recurse=true`)) ??
        []) as {
        Key: string;
        Value: string | null;
      }[];
      return new Map(
        out.map((e) => [e.Key, e.Value === null ? "" : Buffer.from(e.Value, "base64").toString("utf8")]),
      );
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 404) return new Map<string, string>();
      throw error;
    }
  }

  async kvGet(key: string) {
    try {
      const [entry] = ((await this.request("KVGet", "GET", `/v1/kv/${encodeKey(key)}`)) ?? []) as {
        Value: string | null;
        Session?: string;
      }[];
      if (!entry) return undefined;
      return {
        value: entry.Value === null ? "" : Buffer.from(entry.Value, "base64").toString("utf8"),
        session: entry.Session,
      };
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 404) return undefined;
      throw error;
    }
  }

  async kvLock(key: string, value: string, session: string, verb: "acquire" | "release") {
    const out = await this.request(
      "KVPut",
      "PUT",
      `/v1/kv/${encodeKey(key)}?${verb}=${encodeURIComponent(session)}`,
      value,
      true,
    );
    return out === true;
  }

  async sessionCreate(input: { name: string; ttl: string; lockDelay: string }) {
    const out = (await this.request("SessionCreate", "PUT", "/v1/session/create", {
      Name: input.name,
      TTL: input.ttl,
      LockDelay: input.lockDelay,
      Behavior: "release",
    })) as { ID: string };
    return out.ID;
  }

  async sessionRenew(id: string) {
    try {
      await this.request("SessionRenew", "PUT", `/v1/session/renew/${encodeURIComponent(id)}`);
      return true;
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 404) return false;
      throw error;
    }
  }

  async sessionDestroy(id: string) {
    await this.request("SessionDestroy", "PUT", `/v1/session/destroy/${encodeURIComponent(id)}`);
  }
}

/** Why a call got no answer, in words, with the network error code when there is one. */
function failureReason(error: unknown, timeoutMs: number): { reason: string; code: string | undefined } {
  if (error instanceof HttpStatusError) return { reason: error.message, code: undefined };
  if (error instanceof Error && error.name === "TimeoutError")
    return { reason: `no answer within ${timeoutMs} ms`, code: "ETIMEDOUT" };
  // fetch reports every network failure as "fetch failed", with the socket's error as its cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined;
  if (code === undefined) return { reason: errorMessage(cause), code: undefined };
  return { reason: `${NETWORK_FAILURES[code] ?? errorMessage(cause)} (${code})`, code };
}

/** Consul prints durations Go's way ("10m0s", "1.5s"); ours are the shortest form ("10m", "1s500ms"). */
function canonical(value: unknown): unknown {
  const ms = typeof value === "string" ? goDurationMs(value) : undefined;
  return ms === undefined ? value : formatDuration(ms);
}

const GO_UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 } as const;
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;

/** Go's time.Duration.String(), which writes fractions ("1.5s", "1m0.5s"), in milliseconds. */
function goDurationMs(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(GO_DURATION_PART)) {
    ms += Number(amount) * GO_UNIT_MS[unit as keyof typeof GO_UNIT_MS];
  }
  return Math.round(ms);
}

/** KV keys keep their slashes; each segment is escaped. */
function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}
