import { isJsonObject, type Json, type JsonObject } from "../json.js";
import { parseGoDuration } from "./go-duration.js";

/** A request body Go's encoding/json would refuse; endpoints prefix the message as Consul does. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

/** Parses a request body; an empty body is Go's io.EOF. */
export function parseJsonBody(body: Buffer): Json {
  const text = body.toString("utf8");
  if (text.trim() === "") throw new DecodeError("EOF");
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new DecodeError(`invalid character in JSON: ${(error as Error).message}`);
  }
}

/**
 * Reads a JSON object the way Go's encoding/json fills a struct: member names match case-insensitively,
 * null and absent members give the zero value, and a member of the wrong JSON type is refused.
 */
export class GoStruct {
  constructor(
    private readonly value: JsonObject,
    /** The Go type's name, for error messages. */
    private readonly type: string,
  ) {}

  /** The top-level value of a body; null decodes to an empty struct as in Go. */
  static of(json: Json, type: string): GoStruct {
    if (json === null) return new GoStruct({}, type);
    if (!isJsonObject(json))
      throw new DecodeError(`json: cannot unmarshal ${kindOf(json)} into Go value of type ${type}`);
    return new GoStruct(json, type);
  }

  /** Whether every member is absent or null, as Go's zero value of the struct. */
  isEmpty(): boolean {
    return Object.values(this.value).every((member) => member === null);
  }

  has(field: string): boolean {
    return this.member(field) !== undefined;
  }

  string(field: string): string {
    const value = this.member(field);
    if (value === undefined) return "";
    if (typeof value !== "string") throw this.mismatch(field, value, "string");
    return value;
  }

  /** An integer (Go's int, uint64 and index fields). */
  integer(field: string): number {
    const value = this.member(field);
    if (value === undefined) return 0;
    if (typeof value !== "number" || !Number.isInteger(value)) throw this.mismatch(field, value, "int");
    return value;
  }

  boolean(field: string): boolean {
    const value = this.member(field);
    if (value === undefined) return false;
    if (typeof value !== "boolean") throw this.mismatch(field, value, "bool");
    return value;
  }

  /** A []string; null when absent, as Go leaves a nil slice. */
  strings(field: string): string[] | null {
    const value = this.member(field);
    if (value === undefined) return null;
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      throw this.mismatch(field, value, "[]string");
    }
    return value;
  }

  /** A map[string]string; null when absent. */
  stringMap(field: string): Record<string, string> | null {
    const value = this.member(field);
    if (value === undefined) return null;
    if (!isJsonObject(value) || !Object.values(value).every((item) => typeof item === "string")) {
      throw this.mismatch(field, value, "map[string]string");
    }
    return { ...(value as Record<string, string>) };
  }

  /** A duration in nanoseconds, written as Go duration text ("10s") or as a number of nanoseconds. */
  duration(field: string): number {
    const value = this.member(field);
    if (value === undefined) return 0;
    if (typeof value === "number") return value;
    if (typeof value !== "string") throw this.mismatch(field, value, "time.Duration");
    try {
      return parseGoDuration(value);
    } catch (error) {
      throw new DecodeError((error as Error).message);
    }
  }

  struct(field: string, type: string): GoStruct | undefined {
    const value = this.member(field);
    if (value === undefined) return undefined;
    if (!isJsonObject(value)) throw this.mismatch(field, value, type);
    return new GoStruct(value, type);
  }

  structs(field: string, type: string): GoStruct[] {
    const value = this.member(field);
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.mismatch(field, value, `[]${type}`);
    return value.map((item) => {
      if (!isJsonObject(item)) throw this.mismatch(field, item, type);
      return new GoStruct(item, type);
    });
  }

  /** Exact name first, then the first case-insensitive match, as encoding/json resolves members. */
  private member(field: string): Json | undefined {
    const exact = Object.hasOwn(this.value, field) ? this.value[field] : undefined;
    const lower = field.toLowerCase();
    const key = exact === undefined ? Object.keys(this.value).find((k) => k.toLowerCase() === lower) : field;
    const value = key === undefined ? undefined : this.value[key];
    return value === null ? undefined : value;
  }

  private mismatch(field: string, value: Json, goType: string): DecodeError {
    return new DecodeError(
      `json: cannot unmarshal ${kindOf(value)} into Go struct field ${this.type}.${field} of type ${goType}`,
    );
  }
}

/** JSON kinds as Go's error messages name them. */
function kindOf(value: Json): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  return value === null ? "null" : typeof value;
}
