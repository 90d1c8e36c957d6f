import type { JsonReader } from "../json-reader.js";
import { invalidParameter } from "./errors.js";

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** One page of a List* result: `maxResults` (1..max, default `defaultMax`) items after `nextToken`. */
export function paginate<T>(all: readonly T[], input: JsonReader, defaultMax: number, max = 100): Page<T> {
  const maxResults = input.integer("maxResults") ?? defaultMax;
  if (maxResults < 1 || maxResults > max) {
    throw invalidParameter(`maxResults must be between 1 and ${max}.`);
  }
  const start = offsetOf(input.string("nextToken"));
  const end = start + maxResults;
  const items = all.slice(start, end);
  return end < all.length
    ? { items, nextToken: Buffer.from(`offset:${end}`).toString("base64url") }
    : { items };
}

function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (match?.[1] === undefined) throw invalidParameter("Invalid nextToken.");
  return Number(match[1]);
}
