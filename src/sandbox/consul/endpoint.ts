import { badRequest } from "./consul-error.js";
import { DecodeError, GoStruct, parseJsonBody } from "./go-json.js";
import type { SessionTimers } from "./session-timers.js";
import type { ConsulStore } from "./store.js";

/** The contract between the HTTP server and the handlers of Consul's endpoints. */

export interface ConsulRequest {
  /** The path past the route's prefix (a key, a service name, a session ID), decoded; "" for exact routes. */
  readonly param: string;
  readonly query: URLSearchParams;
  readonly body: Buffer;
  /** Aborts when the client goes away or the server closes, so that blocking queries stop waiting. */
  readonly signal: AbortSignal;
}

export interface Reply {
  /** Default 200. */
  readonly status?: number;
  /** Written as JSON; undefined leaves the body empty, as Consul does for agent writes and KV misses. */
  readonly json?: unknown;
  /** A value written as is (KV ?raw), instead of JSON. */
  readonly raw?: Buffer;
  /** A plain-text body (errors), instead of JSON. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (request: ConsulRequest) => Reply | Promise<Reply>;

/** One method of a route: the operation name calls are counted under, and its handler. */
export interface Endpoint {
  readonly operation: string;
  readonly handler: Handler;
}

export type Method = "GET" | "PUT" | "DELETE";

/** A path, or a prefix ending in "/" whose remainder is the request's parameter, with its methods. */
export interface Route {
  readonly path: string;
  readonly methods: Readonly<Partial<Record<Method, Endpoint>>>;
}

/** What every endpoint shares: the state and the agent's settings. */
export interface ConsulContext {
  readonly store: ConsulStore;
  readonly datacenter: string;
  readonly txnMaxOps: number;
  /** Consul's session_ttl_min, in nanoseconds. */
  readonly sessionTtlMin: number;
  readonly sessionTimers: SessionTimers;
}

/** Decodes a JSON body with `read`; a body Go would refuse is a 400, as Consul answers it. */
export function decodeBody<T>(body: Buffer, type: string, read: (body: GoStruct) => T): T {
  try {
    return read(GoStruct.of(parseJsonBody(body), type));
  } catch (error) {
    if (error instanceof DecodeError) throw badRequest(`Request decode failed: ${error.message}`);
    throw error;
  }
}
