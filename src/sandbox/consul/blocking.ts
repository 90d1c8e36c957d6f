import { badRequest } from "./consul-error.js";
import type { ConsulRequest, Reply } from "./endpoint.js";
import { parseGoDuration } from "./go-duration.js";
import type { ConsulStore } from "./store.js";

/** Consul waits 5 minutes when ?wait is not given, and never more than 10. */
const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;

/** A read's answer and the index it reflects (X-Consul-Index). */
export interface IndexedReply {
  readonly index: number;
  readonly reply: Reply;
}

/**
 * Serves a read that supports blocking queries: with ?index=N it re-runs `query` after each write until
 * the index passes N or ?wait runs out, and answers with the index headers either way.
 */
export async function blockingRead(
  store: ConsulStore,
  request: ConsulRequest,
  query: () => IndexedReply,
): Promise<Reply> {
  const { minIndex, waitMs } = queryOptions(request.query);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { index, reply } = query();
    const remaining = deadline - Date.now();
    if (minIndex === 0 || index > minIndex || remaining <= 0 || request.signal.aborted) {
      return { ...reply, headers: { ...reply.headers, ...queryMeta(index) } };
    }
    await store.nextWrite(remaining, request.signal);
  }
}

/** X-Consul-Index (never 0, or clients would spin), and the leader headers of a one-server cluster. */
export function queryMeta(index: number): Record<string, string> {
  return {
    "X-Consul-Index": String(Math.max(1, index)),
    "X-Consul-KnownLeader": "true",
    "X-Consul-LastContact": "0",
  };
}

function queryOptions(query: URLSearchParams): { minIndex: number; waitMs: number } {
  if (query.has("stale") && query.has("consistent")) {
    throw badRequest("Cannot specify ?stale with ?consistent, conflicting semantics.");
  }
  let waitMs = DEFAULT_WAIT_MS;
  const wait = query.get("wait");
  if (wait !== null && wait !== "") {
    try {
      waitMs = parseGoDuration(wait) / 1e6;
    } catch {
      throw badRequest("Invalid wait time");
    }
  }
  const index = query.get("index") ?? "";
  if (index !== "" && !/^\d+$/.test(index)) throw badRequest("Invalid index");
  return { minIndex: Number(index), waitMs: waitMs <= 0 ? DEFAULT_WAIT_MS : Math.min(waitMs, MAX_WAIT_MS) };
}
