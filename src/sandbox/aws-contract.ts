import { NormalizedSchema } from "@smithy/core/schema";
import type { AwsJsonExchange } from "./aws-json-server.js";
import type { BotocoreModel, BotocoreShape } from "./botocore-model.js";

/**
 * The wire contract of an AWS JSON service, read from the schemas its SDK v3 client exports (the exact
 * contract of the client version in package-lock): member names, types, required members. Tests hold
 * every request and response of the local servers to it. An optional botocore model adds enums,
 * patterns and ranges.
 */

export interface ContractIssue {
  /** Where in the value, e.g. `$.services[0].deployments[1].rolloutState`. */
  readonly path: string;
  readonly message: string;
}

/** Everything an SDK client package exports; its schemas are exported as `<ShapeName>$`. */
export type SdkModule = Readonly<Record<string, unknown>>;

/** The first element of a static schema says what it is. */
const OPERATION_SCHEMA = 9;
const ERROR_SCHEMA = -3;

export class AwsContract {
  /**
   * @param sdk the client package, e.g. `import * as ecs from "@aws-sdk/client-ecs"`.
   * @param commonErrors error codes any operation may answer with beyond the service's own error shapes.
   * @param botocore the optional model with constraints the SDK schemas leave out.
   */
  constructor(
    private readonly sdk: SdkModule,
    private readonly commonErrors: ReadonlySet<string>,
    readonly botocore?: BotocoreModel,
  ) {}

  hasOperation(name: string): boolean {
    return this.#exported(name, OPERATION_SCHEMA) !== undefined;
  }

  isError(code: string): boolean {
    return this.#exported(code, ERROR_SCHEMA) !== undefined;
  }

  validateInput(operation: string, value: unknown): ContractIssue[] {
    return this.#validate(this.#operation(operation)[4], value, this.botocore?.inputShape(operation));
  }

  validateOutput(operation: string, value: unknown): ContractIssue[] {
    return this.#validate(this.#operation(operation)[5], value, this.botocore?.outputShape(operation));
  }

  /** Checks an error's members (without `__type`) against the service's error shape of that code. */
  validateError(code: string, value: unknown): ContractIssue[] {
    const schema = this.#exported(code, ERROR_SCHEMA);
    if (schema === undefined) throw new Error(`the SDK has no error ${code}`);
    return this.#validate(schema, value, this.botocore?.shape(code));
  }

  /** What in one answered request broke the contract: the request's issues and the response's. */
  exchangeIssues({ operation, input, statusCode, body }: AwsJsonExchange): {
    request: string[];
    response: string[];
  } {
    const known = this.hasOperation(operation);
    const describe = (kind: string) => (issue: ContractIssue) =>
      `${operation} ${kind} ${issue.path}: ${issue.message}`;
    const request = known ? this.validateInput(operation, input).map(describe("request")) : [];
    const answer = JSON.parse(body) as Record<string, unknown>;
    if (statusCode === 200) {
      const response = known
        ? this.validateOutput(operation, answer).map(describe("response"))
        : [`${operation} answered 200 but is not in the contract`];
      return { request, response };
    }
    const { __type: code, ...members } = answer;
    if (typeof code !== "string") return { request, response: [`${operation} error without __type`] };
    if (this.isError(code))
      return { request, response: this.validateError(code, members).map(describe("error")) };
    const response = this.commonErrors.has(code) ? [] : [`${operation} answered the unknown error ${code}`];
    return { request, response };
  }

  #exported(name: string, kind: number): unknown[] | undefined {
    const schema = this.sdk[`${name}$`];
    return Array.isArray(schema) && schema[0] === kind ? schema : undefined;
  }

  /** A static operation schema: [9, namespace, name, traits, input, output]. */
  #operation(name: string): unknown[] {
    const schema = this.#exported(name, OPERATION_SCHEMA);
    if (schema === undefined) throw new Error(`the SDK has no operation ${name}`);
    return schema;
  }

  #validate(schemaRef: unknown, value: unknown, shape: BotocoreShape | undefined): ContractIssue[] {
    const issues: ContractIssue[] = [];
    this.#check(
      NormalizedSchema.of(schemaRef as Parameters<typeof NormalizedSchema.of>[0]),
      value,
      "$",
      shape,
      issues,
    );
    return issues;
  }

  #check(
    schema: NormalizedSchema,
    value: unknown,
    at: string,
    shape: BotocoreShape | undefined,
    issues: ContractIssue[],
  ): void {
    const problem =
      this.#problem(schema, value, at, shape, issues) ??
      (shape === undefined ? undefined : this.botocore?.constraintProblem(shape, value));
    if (problem !== undefined) issues.push({ path: at, message: problem });
  }

  /** What is wrong with the value itself; its members and items add their own issues. */
  #problem(
    schema: NormalizedSchema,
    value: unknown,
    at: string,
    shape: BotocoreShape | undefined,
    issues: ContractIssue[],
  ): string | undefined {
    if (value === null) return `null where ${kindOf(schema)} belongs`;
    if (schema.isDocumentSchema()) return undefined;
    if (schema.isStructSchema()) return this.#structureProblem(schema, value, at, shape, issues);
    if (schema.isListSchema()) {
      if (!Array.isArray(value)) return "must be a list";
      const item = itemSchema(schema);
      value.forEach((element, index) => {
        this.#check(item, element, `${at}[${index}]`, this.botocore?.shape(shape?.member), issues);
      });
      return undefined;
    }
    if (schema.isMapSchema()) {
      if (!isPlainObject(value)) return "must be a map";
      const [key, item] = [keySchema(schema), itemSchema(schema)];
      for (const [name, element] of Object.entries(value)) {
        this.#check(key, name, `${at}{${name}}`, this.botocore?.shape(shape?.key), issues);
        this.#check(item, element, `${at}.${name}`, this.botocore?.shape(shape?.value), issues);
      }
      return undefined;
    }
    if (schema.isUnitSchema())
      return isPlainObject(value) && Object.keys(value).length === 0 ? undefined : "must be {}";
    const scalar = scalarKind(schema);
    if (scalar === undefined) return `${kindOf(schema)} cannot be checked`;
    return scalar.matches(value) ? undefined : `must be ${scalar.label}`;
  }

  #structureProblem(
    schema: NormalizedSchema,
    value: unknown,
    at: string,
    shape: BotocoreShape | undefined,
    issues: ContractIssue[],
  ): string | undefined {
    const name = schema.getName() ?? "structure";
    if (!isPlainObject(value)) return `${name} must be a structure`;
    const members = memberSchemas(schema);
    for (const [member, item] of Object.entries(value)) {
      const memberSchema = members.get(member);
      if (memberSchema === undefined) issues.push({ path: at, message: `${name} has no member ${member}` });
      else
        this.#check(
          memberSchema,
          item,
          `${at}.${member}`,
          this.botocore?.shape(shape?.members?.[member]),
          issues,
        );
    }
    if (schema.isUnionSchema()) {
      const set = Object.keys(value).length;
      return set === 1 ? undefined : `${name} is a union: exactly one member must be set, not ${set}`;
    }
    const missing = requiredMembers(schema).filter((member) => value[member] === undefined);
    return missing.length === 0 ? undefined : `${name} requires ${missing.join(", ")}`;
  }
}

/** Works a schema's parts out once: every response walks the same few schemas again. */
function memoized<T>(work: (schema: NormalizedSchema) => T): (schema: NormalizedSchema) => T {
  const known = new WeakMap<NormalizedSchema, T>();
  return (schema) => {
    if (!known.has(schema)) known.set(schema, work(schema));
    return known.get(schema) as T;
  };
}

const memberSchemas = memoized((schema) => new Map(schema.structIterator()));
const itemSchema = memoized((schema) => schema.getValueSchema());
const keySchema = memoized((schema) => schema.getKeySchema());

/** Static structure schemas list their required members first and end with how many there are. */
const requiredMembers = memoized((schema) => {
  type StaticStructure = [unknown, unknown, unknown, unknown, readonly string[], unknown, number?];
  const [, , , , memberNames, , requiredCount = 0] = schema.getSchema() as unknown as StaticStructure;
  return memberNames.slice(0, requiredCount);
});

interface ScalarKind {
  readonly label: string;
  readonly matches: (value: unknown) => boolean;
}

const isText = (value: unknown) => typeof value === "string";
const isNumber = (value: unknown) => typeof value === "number" && Number.isFinite(value);
const TEXT: ScalarKind = { label: "a string", matches: isText };
const BASE64: ScalarKind = { label: "base64 text", matches: isText };
const BOOLEAN: ScalarKind = { label: "a boolean", matches: (value) => typeof value === "boolean" };
const EPOCH_SECONDS: ScalarKind = { label: "epoch seconds", matches: isNumber };
const NUMBER: ScalarKind = { label: "a number", matches: isNumber };

/** How a scalar travels in AWS JSON: timestamps as epoch seconds, blobs as base64 text. */
function scalarKind(schema: NormalizedSchema): ScalarKind | undefined {
  if (schema.isStringSchema()) return TEXT;
  if (schema.isBlobSchema()) return BASE64;
  if (schema.isBooleanSchema()) return BOOLEAN;
  if (schema.isTimestampSchema()) return EPOCH_SECONDS;
  if (schema.isNumericSchema() || schema.isBigIntegerSchema() || schema.isBigDecimalSchema()) return NUMBER;
  return undefined;
}

function kindOf(schema: NormalizedSchema): string {
  if (schema.isStructSchema()) return schema.getName() ?? "a structure";
  if (schema.isListSchema()) return "a list";
  if (schema.isMapSchema()) return "a map";
  return scalarKind(schema)?.label ?? `the unsupported schema ${schema.getName(true)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
