import { AwsError } from "./aws-error.js";
import { isJsonObject, type Json, type JsonObject } from "./json.js";

/**
 * Typed access to the members of a request structure. A member of the wrong JSON type is refused
 * with SerializationException, as AWS JSON services do; null counts as absent.
 */
export class JsonReader {
  constructor(
    readonly value: JsonObject,
    private readonly path = "",
  ) {}

  has(key: string): boolean {
    return this.member(key) !== undefined;
  }

  string(key: string): string | undefined {
    return this.typed(key, "a string", (v): v is string => typeof v === "string");
  }

  integer(key: string): number | undefined {
    return this.typed(key, "an integer", (v): v is number => typeof v === "number" && Number.isInteger(v));
  }

  boolean(key: string): boolean | undefined {
    return this.typed(key, "a boolean", (v): v is boolean => typeof v === "boolean");
  }

  strings(key: string): string[] | undefined {
    return this.typed(
      key,
      "a list of strings",
      (v): v is string[] => Array.isArray(v) && v.every((item) => typeof item === "string"),
    );
  }

  object(key: string): JsonReader | undefined {
    const value = this.typed(key, "a structure", isJsonObject);
    return value === undefined ? undefined : new JsonReader(value, this.at(key));
  }

  objects(key: string): JsonReader[] | undefined {
    const list = this.typed(
      key,
      "a list of structures",
      (v): v is JsonObject[] => Array.isArray(v) && v.every((item) => isJsonObject(item)),
    );
    return list?.map((item, index) => new JsonReader(item, `${this.at(key)}[${index}]`));
  }

  /** A deep copy of a member, for keeping exactly what the caller sent. */
  copy(key: string): Json | undefined {
    const value = this.member(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  private member(key: string): Json | undefined {
    const value = Object.hasOwn(this.value, key) ? this.value[key] : undefined;
    return value === null ? undefined : value;
  }

  private typed<T extends Json>(
    key: string,
    expected: string,
    test: (value: Json) => value is T,
  ): T | undefined {
    const value = this.member(key);
    if (value === undefined) return undefined;
    if (!test(value)) throw new AwsError("SerializationException", `${this.at(key)} must be ${expected}.`);
    return value;
  }

  private at(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }
}
