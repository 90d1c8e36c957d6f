import { isJsonObject, type Json, type JsonObject } from "../json.js";
import { ConsulError } from "./consul-error.js";
import { type FilterExpression, type MatchOperator, parseFilter } from "./filter-parser.js";
import type { FieldSchema } from "./filter-schema.js";
import { parseGoBool, parseGoInt } from "./go-strconv.js";

/** Whether one item of an answer passes a filter expression. */
export type Filter = (item: Json) => boolean;

/** Operator names as go-bexpr reports them. */
const OPERATOR_NAMES: Readonly<Record<MatchOperator, string>> = {
  "==": "Equal",
  "!=": "Not Equal",
  in: "In",
  "not in": "Not In",
  "is empty": "Is Empty",
  "is not empty": "Is Not Empty",
  matches: "Matches",
  "not matches": "Not Matches",
};

const OPERATORS: Readonly<Record<FieldSchema["type"], readonly MatchOperator[]>> = {
  string: ["==", "!=", "in", "not in", "matches", "not matches"],
  int: ["==", "!="],
  bool: ["==", "!="],
  strings: ["in", "not in", "is empty", "is not empty"],
  map: ["is empty", "is not empty", "in", "not in"],
  struct: [],
  list: ["is empty", "is not empty"],
};

/**
 * The endpoint's ?filter=, compiled against its selectors; undefined without one. Consul builds the
 * evaluator on the server and reports a bad expression as an RPC error, which its HTTP layer answers with
 * 500 (hashicorp/consul#7338), so the sandbox does the same.
 */
export function filterOf(query: URLSearchParams, schema: FieldSchema): Filter | undefined {
  const expression = query.get("filter") ?? "";
  if (expression === "") return undefined;
  try {
    return compileFilter(expression, schema);
  } catch (error) {
    throw new ConsulError(`Failed to create boolean expression evaluator: ${(error as Error).message}`);
  }
}

/** Parses and checks an expression: unknown selectors and unsupported operators are errors, as in go-bexpr. */
export function compileFilter(expression: string, schema: FieldSchema): Filter {
  return compile(parseFilter(expression), schema);
}

function compile(expression: FilterExpression, schema: FieldSchema): Filter {
  switch (expression.kind) {
    case "and": {
      const [left, right] = [compile(expression.left, schema), compile(expression.right, schema)];
      return (item) => left(item) && right(item);
    }
    case "or": {
      const [left, right] = [compile(expression.left, schema), compile(expression.right, schema)];
      return (item) => left(item) || right(item);
    }
    case "not": {
      const operand = compile(expression.operand, schema);
      return (item) => !operand(item);
    }
    case "match":
      return compileMatch(expression.selector, expression.operator, expression.value ?? "", schema);
  }
}

function compileMatch(
  selector: readonly string[],
  operator: MatchOperator,
  value: string,
  root: FieldSchema,
): Filter {
  const quoted = JSON.stringify(selector.join("."));
  let field = root;
  for (const [depth, part] of selector.entries()) {
    const next = child(field, part);
    if (next === undefined)
      throw new Error(`Selector ${JSON.stringify(selector.slice(0, depth + 1).join("."))} is not valid`);
    field = next;
  }
  if (!OPERATORS[field.type].includes(operator)) {
    throw new Error(
      `Invalid match operator ${JSON.stringify(OPERATOR_NAMES[operator])} for selector ${quoted}`,
    );
  }
  let test: (found: Json | undefined) => boolean;
  try {
    test = leafTest(field, operator, value);
  } catch (error) {
    throw new Error(
      `Failed to coerce value ${JSON.stringify(value)} for selector ${quoted}: ${(error as Error).message}`,
    );
  }
  return (item) => select(item, root, selector, 0, operator, test);
}

function child(field: FieldSchema, name: string): FieldSchema | undefined {
  switch (field.type) {
    case "struct":
    case "list":
      return Object.hasOwn(field.fields, name) ? field.fields[name] : undefined;
    case "map":
      return field.values;
    default:
      return undefined;
  }
}

/** Walks the selector; through a list any element may match, and a missing map key decides by operator. */
function select(
  value: Json | undefined,
  field: FieldSchema,
  selector: readonly string[],
  depth: number,
  operator: MatchOperator,
  test: (found: Json | undefined) => boolean,
): boolean {
  const part = selector[depth];
  if (part === undefined) return test(value);
  const next = child(field, part) as FieldSchema;
  switch (field.type) {
    case "list":
      return listOf(value).some((item) =>
        select(objectOf(item)[part], next, selector, depth + 1, operator, test),
      );
    case "map": {
      const map = objectOf(value);
      if (!Object.hasOwn(map, part)) return notPresent(operator);
      return select(map[part], next, selector, depth + 1, operator, test);
    }
    default:
      return select(objectOf(value)[part], next, selector, depth + 1, operator, test);
  }
}

/** go-bexpr's answer for a key missing from a map: nothing equals, contains or matches it; it is empty. */
function notPresent(operator: MatchOperator): boolean {
  return operator === "!=" || operator === "not in" || operator === "is empty" || operator === "not matches";
}

function leafTest(
  field: FieldSchema,
  operator: MatchOperator,
  value: string,
): (found: Json | undefined) => boolean {
  const negated =
    operator === "!=" || operator === "not in" || operator === "is not empty" || operator === "not matches";
  const test = positiveTest(field, operator, value);
  return negated ? (found) => !test(found) : test;
}

function positiveTest(
  field: FieldSchema,
  operator: MatchOperator,
  value: string,
): (found: Json | undefined) => boolean {
  if (operator === "is empty" || operator === "is not empty") {
    return (found) =>
      (field.type === "map" ? Object.keys(objectOf(found)).length : listOf(found).length) === 0;
  }
  if (operator === "matches" || operator === "not matches") {
    const pattern = compilePattern(value);
    return (found) => pattern.test(stringOf(found));
  }
  if (operator === "in" || operator === "not in") {
    if (field.type === "map") return (found) => Object.hasOwn(objectOf(found), value);
    if (field.type === "strings") return (found) => listOf(found).includes(value);
    return (found) => stringOf(found).includes(value);
  }
  if (field.type === "int") {
    const expected = parseGoInt(value);
    return (found) => (typeof found === "number" ? found : 0) === expected;
  }
  if (field.type === "bool") {
    const expected = parseGoBool(value);
    return (found) => (found === true) === expected;
  }
  return (found) => stringOf(found) === value;
}

function compilePattern(value: string): RegExp {
  try {
    return new RegExp(value);
  } catch (error) {
    throw new Error(
      `Failed to compile regular expression ${JSON.stringify(value)}: ${(error as Error).message}`,
    );
  }
}

function objectOf(value: Json | undefined): JsonObject {
  return value !== undefined && isJsonObject(value) ? value : {};
}

function listOf(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

function stringOf(value: Json | undefined): string {
  return typeof value === "string" ? value : "";
}
