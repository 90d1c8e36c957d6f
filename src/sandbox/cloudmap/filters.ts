import type { JsonReader } from "../json-reader.js";
import { idOf } from "./arns.js";
import { invalidInput } from "./errors.js";

/** The `Filters` of ListNamespaces, ListServices and ListOperations: `{Name, Values, Condition}`, all must match. */

export type FilterCondition = "EQ" | "IN" | "BETWEEN" | "BEGINS_WITH";

export interface Filter {
  readonly name: string;
  readonly condition: FilterCondition;
  /** ARNs are read as the ids they end in, since the API takes either. */
  readonly values: readonly string[];
}

/** How many values each condition takes. */
const ARITY: Readonly<Record<FilterCondition, (count: number) => boolean>> = {
  EQ: (count) => count === 1,
  BEGINS_WITH: (count) => count === 1,
  BETWEEN: (count) => count === 2,
  IN: (count) => count >= 1,
};

/** Reads `Filters`; `allowed` gives, per filter name, the conditions the API documents for it. */
export function parseFilters(
  input: JsonReader,
  allowed: Readonly<Record<string, readonly FilterCondition[]>>,
): Filter[] {
  return (input.objects("Filters") ?? []).map((filter) => {
    const name = filter.string("Name") ?? "";
    const conditions = Object.hasOwn(allowed, name) ? allowed[name] : undefined;
    if (conditions === undefined) throw invalidInput(`Filter name ${name} is not supported here.`);
    const condition = (filter.string("Condition") ?? "EQ") as FilterCondition;
    if (!conditions.includes(condition)) throw invalidInput(`Filter ${name} does not support ${condition}.`);
    const values = (filter.strings("Values") ?? []).map(idOf);
    if (!ARITY[condition](values.length)) {
      throw invalidInput(`Filter ${name} has the wrong number of values.`);
    }
    return { name, condition, values };
  });
}

/** Whether every filter accepts the value `field` gives for its name. */
export function matchesAll(filters: readonly Filter[], field: (name: string) => string): boolean {
  return filters.every((filter) => matches(filter, field(filter.name)));
}

function matches({ condition, values }: Filter, value: string): boolean {
  const [first = "", second = ""] = values;
  switch (condition) {
    case "EQ":
      return value === first;
    case "IN":
      return values.includes(value);
    case "BEGINS_WITH":
      return value.startsWith(first);
    case "BETWEEN":
      return Number(value) >= Number(first) && Number(value) <= Number(second);
  }
}
