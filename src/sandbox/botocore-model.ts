import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Constraints the SDK's schemas leave out (enums, patterns, lengths, ranges, integers), read from the
 * botocore service models when they happen to be present. They are an optional extra: without them the
 * sandbox contract checks everything the SDK schemas say and nothing more.
 */

/**
 * OPTIONAL: where botocore's models are, when someone has them (CI points ECSMESH_AWS_MODELS_DIR at
 * its copy). Unset, as in a fresh clone, the extra checks are simply not made.
 */
const OPTIONAL_MODELS_DIR = process.env.ECSMESH_AWS_MODELS_DIR;

interface ShapeRef {
  readonly shape: string;
}

export interface BotocoreShape {
  readonly type: string;
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly enum?: readonly string[];
  readonly pattern?: string;
  readonly min?: number;
  readonly max?: number;
}

interface ModelDocument {
  readonly operations: Readonly<Record<string, { readonly input?: ShapeRef; readonly output?: ShapeRef }>>;
  readonly shapes: Readonly<Record<string, BotocoreShape>>;
}

export class BotocoreModel {
  readonly #patterns = new Map<string, RegExp | undefined>();

  private constructor(private readonly model: ModelDocument) {}

  /** The service's model if the optional models directory has it; undefined otherwise, never an error. */
  static loadIfPresent(service: string, apiVersion: string): BotocoreModel | undefined {
    if (!OPTIONAL_MODELS_DIR) return undefined;
    const file = path.join(OPTIONAL_MODELS_DIR, service, apiVersion, "service-2.json");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
    return new BotocoreModel(JSON.parse(text) as ModelDocument);
  }

  inputShape(operation: string): BotocoreShape | undefined {
    return this.shape(this.model.operations[operation]?.input);
  }

  outputShape(operation: string): BotocoreShape | undefined {
    return this.shape(this.model.operations[operation]?.output);
  }

  /** Undefined when the model has no such shape (the SDK may be newer than the model). */
  shape(ref: ShapeRef | string | undefined): BotocoreShape | undefined {
    const name = typeof ref === "string" ? ref : ref?.shape;
    return name === undefined ? undefined : this.model.shapes[name];
  }

  /** What breaks the shape's constraints in a value the SDK schema already accepted. */
  constraintProblem(shape: BotocoreShape, value: unknown): string | undefined {
    switch (shape.type) {
      case "list":
        return Array.isArray(value) ? rangeProblem(shape, value.length, " items") : undefined;
      case "string":
        return typeof value === "string" ? this.#stringProblem(shape, value) : undefined;
      case "integer":
      case "long":
        if (typeof value !== "number") return undefined;
        return Number.isInteger(value) ? rangeProblem(shape, value, "") : "must be an integer";
      case "float":
      case "double":
        return typeof value === "number" ? rangeProblem(shape, value, "") : undefined;
      default:
        return undefined;
    }
  }

  #stringProblem(shape: BotocoreShape, value: string): string | undefined {
    if (shape.enum && !shape.enum.includes(value)) return `"${value}" is not one of ${shape.enum.join(", ")}`;
    if (shape.pattern !== undefined && this.#pattern(shape.pattern)?.test(value) === false) {
      return `"${value}" does not match ${shape.pattern}`;
    }
    return rangeProblem(shape, value.length, " characters");
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

function rangeProblem(shape: BotocoreShape, size: number, unit: string): string | undefined {
  if (shape.min !== undefined && size < shape.min) return `${size}${unit} is below the minimum ${shape.min}`;
  if (shape.max !== undefined && size > shape.max) return `${size}${unit} is above the maximum ${shape.max}`;
  return undefined;
}
