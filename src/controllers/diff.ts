import type { FieldChange } from "./plan-types.js";

type Keyed = Map<string, unknown>;

/** Lists of named things diff by name, not by position, so one insertion is one change. */
function keyOf(item: unknown): string | undefined {
  if (item === null || typeof item !== "object") return undefined;
  const record = item as Record<string, unknown>;
  if (typeof record.name === "string") return record.name;
  if (typeof record.containerPort === "number") return `${record.containerPort}/${record.protocol ?? "tcp"}`;
  return undefined;
}

function asKeyed(list: readonly unknown[]): Keyed | undefined {
  const keyed: Keyed = new Map();
  for (const item of list) {
    const key = keyOf(item);
    if (key === undefined || keyed.has(key)) return undefined;
    keyed.set(key, item);
  }
  return keyed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Field-level differences between two JSON-like values, with paths such as `containerDefinitions[0].image`. */
export function diffValues(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    const keyedBefore = asKeyed(before);
    const keyedAfter = asKeyed(after);
    if (keyedBefore && keyedAfter) {
      const keys = [...new Set([...keyedBefore.keys(), ...keyedAfter.keys()])].sort();
      return keys.flatMap((key) => diffValues(keyedBefore.get(key), keyedAfter.get(key), `${path}[${key}]`));
    }
    if (before.length === after.length) {
      return before.flatMap((item, i) => diffValues(item, after[i], `${path}[${i}]`));
    }
    return [{ path, before, after }];
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffValues(before[key], after[key], path === "" ? key : `${path}.${key}`));
  }
  return [{ path, before, after }];
}
