/** Plain-fetch access to a local Consul server, as any HTTP client would use it. */

import {
  type ConsulServer,
  type ConsulServerOptions,
  startConsulServer,
} from "../../../src/sandbox/consul/server.js";
import { fixture } from "../fixture.js";

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = unknown>(): T;
  /** X-Consul-Index as a number (NaN when absent). */
  readonly index: number;
}

export interface Consul {
  get(path: string, headers?: Record<string, string>): Promise<Answer>;
  /** Objects and arrays are sent as JSON; strings and buffers as they are. */
  put(path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  delete(path: string): Promise<Answer>;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
}

export function consulClient(url: string): Consul {
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const payload =
      body === undefined || typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload as string | Buffer }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: <T>() => JSON.parse(text) as T,
      index: Number(response.headers.get("x-consul-index") ?? Number.NaN),
    };
  };
  return {
    get: (path, headers) => request("GET", path, undefined, headers),
    put: (path, body, headers) => request("PUT", path, body, headers),
    delete: (path) => request("DELETE", path),
    request,
  };
}

/** A client of a local Consul server, with the server itself. */
export interface LocalConsul extends Consul {
  readonly server: ConsulServer;
}

/** A local Consul started before the file's tests and closed after them. */
export function consulForFile(options: ConsulServerOptions = {}): LocalConsul {
  return fixture(
    "file",
    async () => {
      const server = await startConsulServer(options);
      return { ...consulClient(server.url), server };
    },
    (local) => local.server.close(),
  );
}

/** A catalog registration of one service instance on its own node, with a passing HTTP check. */
export function registration(node: string, service: string, extra: Record<string, unknown> = {}) {
  const id = typeof extra.ID === "string" ? extra.ID : service;
  return {
    Node: node,
    Address: `10.0.0.${node.length}`,
    Service: { Service: service, Port: 8080, ...extra },
    Check: {
      CheckID: `service:${id}`,
      Name: `${service} health`,
      Status: "passing",
      ServiceID: id,
      Definition: { HTTP: "http://127.0.0.1:8080/", Interval: "10s" },
    },
  };
}

/** Percent-encodes a filter expression for ?filter=. */
export function filter(expression: string): string {
  return `filter=${encodeURIComponent(expression)}`;
}
