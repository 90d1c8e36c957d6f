import type { AwsError } from "./aws-error.js";
import type { JsonReader } from "./json-reader.js";

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** How a service spells its paging members and refuses bad ones. */
export interface PagingStyle {
  readonly maxResults: string;
  readonly nextToken: string;
  readonly invalid: (message: string) => AwsError;
}

/** A service's List* pager: `maxResults` (1..max, default `defaultMax`) items after `nextToken`. */
export function pager(style: PagingStyle) {
  return <T>(all: readonly T[], input: JsonReader, defaultMax = 100, max = 100): Page<T> => {
    const maxResults = input.integer(style.maxResults) ?? defaultMax;
    if (maxResults < 1 || maxResults > max) {
      throw style.invalid(`${style.maxResults} must be between 1 and ${max}.`);
    }
    const start = offsetOf(input.string(style.nextToken), style);
    const end = start + maxResults;
    const items = all.slice(start, end);
    return end < all.length
      ? { items, nextToken: Buffer.from(`offset:${end}`).toString("base64url") }
      : { items };
  };
}

function offsetOf(token: string | undefined, style: PagingStyle): number {
  if (token === undefined) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (match?.[1] === undefined) throw style.invalid(`Invalid ${style.nextToken}.`);
  return Number(match[1]);
}
