import type { JsonReader } from "../json-reader.js";
import { invalidInput } from "./errors.js";
import { integerIn } from "./members.js";

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** One page of a List* result: MaxResults (1..100, default 100) items after NextToken. */
export function paginate<T>(all: readonly T[], input: JsonReader): Page<T> {
  const maxResults = integerIn(input, "MaxResults", 1, 100) ?? 100;
  const start = offsetOf(input.string("NextToken"));
  const end = start + maxResults;
  const items = all.slice(start, end);
  return end < all.length
    ? { items, nextToken: Buffer.from(`offset:${end}`).toString("base64url") }
    : { items };
}

function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (match?.[1] === undefined) throw invalidInput("Invalid NextToken.");
  return Number(match[1]);
}
