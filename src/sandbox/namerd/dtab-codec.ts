import {
  type Dentry,
  type Dtab,
  type ParseError,
  parseDtab,
  parseNameTree,
  parsePrefix,
  printDtab,
  printNameTree,
  printPrefix,
} from "../../dtab/index.js";

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
  const body =
    type === JSON_TYPE
      ? JSON.stringify(
          dtab.map((dentry) => ({ prefix: printPrefix(dentry.prefix), dst: printNameTree(dentry.dst) })),
        )
      : printDtab(dtab);
  return `${body}\n`;
}

/** A request body read as a dtab, or why it is not one. */
export type DtabRead =
  | { readonly ok: true; readonly dtab: Dtab }
  | { readonly ok: false; readonly message: string };

/** Reads a request body in the representation its `Content-Type` names. */
export function readDtab(body: string, contentType: string | undefined): DtabRead {
  const type = mediaType(contentType ?? "");
  if (!isKnown(type)) return failure(`unsupported Content-Type ${JSON.stringify(contentType ?? "")}`);
  if (type === JSON_TYPE) return readJson(body);
  const result = parseDtab(body);
  return result.ok ? { ok: true, dtab: result.value } : parseFailure(result.error, "");
}

function readJson(body: string): DtabRead {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return failure(`invalid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) return failure('a JSON dtab is a list of {"prefix", "dst"} objects');
  const dtab: Dentry[] = [];
  for (const [index, item] of value.entries()) {
    const { prefix, dst } = (item ?? {}) as { prefix?: unknown; dst?: unknown };
    if (typeof prefix !== "string" || typeof dst !== "string") {
      return failure(`dentry ${index} needs string members prefix and dst`);
    }
    const parsedPrefix = parsePrefix(prefix);
    if (!parsedPrefix.ok) return parseFailure(parsedPrefix.error, `dentry ${index} prefix: `);
    const parsedDst = parseNameTree(dst);
    if (!parsedDst.ok) return parseFailure(parsedDst.error, `dentry ${index} dst: `);
    dtab.push({ prefix: parsedPrefix.value, dst: parsedDst.value });
  }
  return { ok: true, dtab };
}

const parseFailure = ({ line, column, message }: ParseError, context: string): DtabRead =>
  failure(`${context}${line}:${column}: ${message}`);

const failure = (message: string): DtabRead => ({ ok: false, message });

const mediaType = (value: string): string => (value.split(";")[0] ?? "").trim().toLowerCase();

const isKnown = (type: string): boolean => type === JSON_TYPE || TEXT_TYPES.includes(type);
