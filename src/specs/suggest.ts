import type { z } from "zod";
import type { FieldPath } from "./diagnostic.js";

/** The closest candidate within a small edit distance, for "did you mean" hints on typos. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { def: SchemaDef }).def;
}

/** Field names an object schema accepts at `path` (wrappers, arrays and records are looked through). */
export function fieldsAt(schema: z.ZodType, path: FieldPath): string[] {
  let current: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let def = defOf(s);
    while (def.innerType || def.in) {
      s = (def.innerType ?? def.in) as z.ZodType;
      def = defOf(s);
    }
    return s;
  };
  for (const segment of path) {
    if (!current) return [];
    const def = defOf(unwrap(current));
    if (def.type === "object" && typeof segment === "string") current = def.shape?.[segment];
    else if (def.type === "array") current = def.element;
    else if (def.type === "record") current = def.valueType;
    else return [];
  }
  if (!current) return [];
  const def = defOf(unwrap(current));
  return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
}
