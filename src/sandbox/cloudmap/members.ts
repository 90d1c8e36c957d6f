import type { JsonReader } from "../json-reader.js";
import { invalidInput } from "./errors.js";

/** Checks of request members against the model's constraints, answered with InvalidInput like Cloud Map. */

export interface StringRule {
  readonly max?: number;
  /** A whole-value pattern. */
  readonly pattern?: RegExp;
}

export function optionalString(input: JsonReader, member: string, rule: StringRule = {}): string | undefined {
  const value = input.string(member);
  if (value === undefined) return undefined;
  if (rule.max !== undefined && value.length > rule.max) {
    throw invalidInput(`${member} must be at most ${rule.max} characters.`);
  }
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    throw invalidInput(`${member} is not valid: ${value}`);
  }
  return value;
}

export function requiredString(input: JsonReader, member: string, rule: StringRule = {}): string {
  const value = optionalString(input, member, rule);
  if (value === undefined || value === "") throw invalidInput(`${member} is required.`);
  return value;
}

/** A string member that must be one of the model's enum values. */
export function oneOf<T extends string>(
  input: JsonReader,
  member: string,
  allowed: readonly T[],
): T | undefined {
  const value = input.string(member);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidInput(`${member} must be one of ${allowed.join(", ")}; got ${value}.`);
  }
  return value as T;
}

export function integerIn(input: JsonReader, member: string, min: number, max: number): number | undefined {
  const value = input.integer(member);
  if (value !== undefined && (value < min || value > max)) {
    throw invalidInput(`${member} must be between ${min} and ${max}.`);
  }
  return value;
}

/** A string-to-string map member such as Attributes or QueryParameters. */
export function stringMap(input: JsonReader, member: string): Record<string, string> | undefined {
  const map = input.object(member)?.value;
  if (map === undefined) return undefined;
  const entries = Object.entries(map).map(([key, value]) => {
    if (typeof value !== "string") throw invalidInput(`${member}.${key} must be a string.`);
    return [key, value] as const;
  });
  return Object.fromEntries(entries);
}
