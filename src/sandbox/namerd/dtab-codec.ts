import {
  type Dentry,
  type Dtab,
  DtabSyntaxError,
  parseDtab,
  parseNameTree,
  parsePrefix,
  showDtab,
  showNameTree,
  showPrefix,
} from "./dtab-syntax.js";

/**
 * namerd's two dtab representations: JSON (`[{"prefix": "/svc", "dst": "/#/io.l5d.consul/dc1"}]`,
 * the default) and dtab text (`application/dtab` or `text/plain`). Media types are compared without
 * their parameters, so `application/json;charset=utf-8` and `application/dtab;q=0.9` count.
 */

export const JSON_TYPE = "application/json";
const TEXT_TYPES = ["application/dtab", "text/plain"];

/** The representation an `Accept` header asks for: the first type namerd knows, else JSON. */
export function acceptedType(accept: string | undefined): string {
  const known = (accept ?? "").split(",").map(mediaType).find(isKnown);
  return known ?? JSON_TYPE;
}

export function writeDtab(dtab: Dtab, type: string): string {
  return `${type === JSON_TYPE ? JSON.stringify(dtab.map(dentryJson)) : showDtab(dtab)}\n`;
}

/** A dentry in namerd's JSON: prefix and destination as dtab text. */
export const dentryJson = (dentry: Dentry): { prefix: string; dst: string } => ({
  prefix: showPrefix(dentry.prefix),
  dst: showNameTree(dentry.dst),
});

/** A request body read as a dtab, or why it is not one. */
export type DtabRead =
  | { readonly ok: true; readonly dtab: Dtab }
  | { readonly ok: false; readonly message: string };

/** Reads a request body in the representation its `Content-Type` names. */
export function readDtab(body: string, contentType: string | undefined): DtabRead {
  const type = mediaType(contentType ?? "");
  if (!isKnown(type)) return failure(`unsupported Content-Type ${JSON.stringify(contentType ?? "")}`);
  try {
    return { ok: true, dtab: type === JSON_TYPE ? readJson(body) : parseDtab(body) };
  } catch (error) {
    if (error instanceof DtabSyntaxError || error instanceof UnreadableJson) return failure(error.message);
    throw error;
  }
}

class UnreadableJson extends Error {}

function readJson(body: string): Dtab {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new UnreadableJson(`invalid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new UnreadableJson('a JSON dtab is a list of {"prefix", "dst"} objects');
  return value.map((item: unknown, index): Dentry => {
    const { prefix, dst } = (item ?? {}) as { prefix?: unknown; dst?: unknown };
    if (typeof prefix !== "string" || typeof dst !== "string") {
      throw new UnreadableJson(`dentry ${index} needs string members prefix and dst`);
    }
    try {
      return { prefix: parsePrefix(prefix), dst: parseNameTree(dst) };
    } catch (error) {
      if (error instanceof DtabSyntaxError) throw new UnreadableJson(`dentry ${index}: ${error.message}`);
      throw error;
    }
  });
}

const failure = (message: string): DtabRead => ({ ok: false, message });

const mediaType = (value: string): string => (value.split(";")[0] ?? "").trim().toLowerCase();

const isKnown = (type: string): boolean => type === JSON_TYPE || TEXT_TYPES.includes(type);
