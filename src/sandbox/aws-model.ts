import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * botocore service models (service-2.json) and a validator for JSON values against their shapes, so
 * that tests can hold every request and response of the local servers to the published contract.
 */

/** The models live in ../shared/aws-models beside the project; found from this file, not from the cwd. */
export const AWS_MODELS_DIR = fileURLToPath(new URL("../../../shared/aws-models/", import.meta.url));

export function modelFile(service: string, apiVersion: string): string {
  return path.join(AWS_MODELS_DIR, service, apiVersion, "service-2.json");
}

interface ShapeRef {
  readonly shape: string;
}

interface Shape {
  readonly type: string;
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly required?: readonly string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly enum?: readonly string[];
  readonly pattern?: string;
  readonly min?: number;
  readonly max?: number;
  /** Free-form JSON. */
  readonly document?: boolean;
  readonly exception?: boolean;
}

interface Operation {
  readonly input?: ShapeRef;
  readonly output?: ShapeRef;
  readonly errors?: readonly ShapeRef[];
}

interface ModelDocument {
  readonly metadata: { readonly targetPrefix?: string; readonly protocol: string };
  readonly operations: Readonly<Record<string, Operation>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

export interface ModelIssue {
  /** Where in the value, e.g. `$.services[0].deployments[1].rolloutState`. */
  readonly path: string;
  readonly message: string;
}

export class AwsModel {
  readonly #patterns = new Map<string, RegExp | undefined>();

  private constructor(private readonly model: ModelDocument) {}

  static load(file: string): AwsModel {
    return new AwsModel(JSON.parse(readFileSync(file, "utf8")) as ModelDocument);
  }

  get targetPrefix(): string | undefined {
    return this.model.metadata.targetPrefix;
  }

  operationNames(): string[] {
    return Object.keys(this.model.operations);
  }

  /** The operation's input and output shape names and its declared error shapes. */
  operation(name: string): { input?: string; output?: string; errors: string[] } {
    const operation = this.model.operations[name];
    if (operation === undefined) throw new Error(`the model has no operation ${name}`);
    return {
      ...(operation.input ? { input: operation.input.shape } : {}),
      ...(operation.output ? { output: operation.output.shape } : {}),
      errors: (operation.errors ?? []).map((error) => error.shape),
    };
  }

  /** Whether the model defines an exception shape of this name. */
  isError(name: string): boolean {
    return this.model.shapes[name]?.exception === true;
  }

  validateInput(operation: string, value: unknown): ModelIssue[] {
    const { input } = this.operation(operation);
    return input === undefined ? [] : this.validate(input, value);
  }

  validateOutput(operation: string, value: unknown): ModelIssue[] {
    const { output } = this.operation(operation);
    return output === undefined ? [] : this.validate(output, value);
  }

  /** Checks a JSON value (as on the wire: timestamps in epoch seconds) against a named shape. */
  validate(shapeName: string, value: unknown, at = "$"): ModelIssue[] {
    const issues: ModelIssue[] = [];
    this.#check(shapeName, value, at, issues);
    return issues;
  }

  #check(shapeName: string, value: unknown, at: string, issues: ModelIssue[]): void {
    const shape = this.model.shapes[shapeName];
    if (shape === undefined) throw new Error(`the model has no shape ${shapeName}`);
    const problem = this.#problem(shapeName, shape, value, at, issues);
    if (problem !== undefined) issues.push({ path: at, message: problem });
  }

  /** What is wrong with the value itself; its members and items add their own issues. */
  #problem(name: string, shape: Shape, value: unknown, at: string, issues: ModelIssue[]): string | undefined {
    if (value === null) return `null where ${name} belongs`;
    switch (shape.type) {
      case "structure":
        return this.#structureProblem(name, shape, value, at, issues);
      case "list":
        if (!Array.isArray(value)) return `${name} must be a list`;
        value.forEach((item, index) => {
          this.#check(shape.member?.shape ?? "", item, `${at}[${index}]`, issues);
        });
        return rangeProblem(shape, value.length, " items");
      case "map":
        if (!isPlainObject(value)) return `${name} must be a map`;
        for (const [key, item] of Object.entries(value)) {
          this.#check(shape.key?.shape ?? "", key, `${at}{${key}}`, issues);
          this.#check(shape.value?.shape ?? "", item, `${at}.${key}`, issues);
        }
        return undefined;
      case "string":
        if (typeof value !== "string") return `${name} must be a string`;
        if (shape.enum && !shape.enum.includes(value))
          return `"${value}" is not one of ${shape.enum.join(", ")}`;
        if (shape.pattern !== undefined && this.#pattern(shape.pattern)?.test(value) === false) {
          return `"${value}" does not match ${shape.pattern}`;
        }
        return rangeProblem(shape, value.length, " characters");
      case "integer":
      case "long":
        if (typeof value !== "number" || !Number.isInteger(value)) return `${name} must be an integer`;
        return rangeProblem(shape, value, "");
      case "float":
      case "double":
        if (typeof value !== "number" || !Number.isFinite(value)) return `${name} must be a number`;
        return rangeProblem(shape, value, "");
      case "boolean":
        return typeof value === "boolean" ? undefined : `${name} must be a boolean`;
      case "timestamp":
        return typeof value === "number" && Number.isFinite(value)
          ? undefined
          : `${name} must be epoch seconds`;
      case "blob":
        return typeof value === "string" ? undefined : `${name} must be base64 text`;
      default:
        return `unsupported shape type ${shape.type}`;
    }
  }

  #structureProblem(
    name: string,
    shape: Shape,
    value: unknown,
    at: string,
    issues: ModelIssue[],
  ): string | undefined {
    if (!isPlainObject(value)) return `${name} must be a structure`;
    if (shape.document) return undefined;
    const members = shape.members ?? {};
    for (const [member, item] of Object.entries(value)) {
      const ref = members[member];
      if (ref === undefined) issues.push({ path: at, message: `${name} has no member ${member}` });
      else this.#check(ref.shape, item, `${at}.${member}`, issues);
    }
    const missing = (shape.required ?? []).filter((member) => value[member] === undefined);
    return missing.length === 0 ? undefined : `${name} requires ${missing.join(", ")}`;
  }

  /** Model patterns are Java regular expressions, taken as whole-value matches; the few JS cannot read are skipped. */
  #pattern(source: string): RegExp | undefined {
    if (!this.#patterns.has(source)) {
      let compiled: RegExp | undefined;
      try {
        compiled = new RegExp(`^(?:${source})$`, "u");
      } catch {
        compiled = undefined;
      }
      this.#patterns.set(source, compiled);
    }
    return this.#patterns.get(source);
  }
}

function rangeProblem(shape: Shape, size: number, unit: string): string | undefined {
  if (shape.min !== undefined && size < shape.min) return `${size}${unit} is below the minimum ${shape.min}`;
  if (shape.max !== undefined && size > shape.max) return `${size}${unit} is above the maximum ${shape.max}`;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
