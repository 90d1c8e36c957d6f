import { AwsError } from "../aws-error.js";

/**
 * The parameters of one EC2 Query request, flattened the way the SDKs send them: `InstanceId.1`,
 * `Filter.1.Name`, `Filter.1.Value.1`. Lists are 1-based and read in index order.
 */
export class QueryParams {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  /** Top-level names: `Filter` for `Filter.1.Name`. */
  names(): Set<string> {
    return new Set([...this.values.keys()].map((key) => key.split(".", 1)[0] ?? key));
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  integer(name: string): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) throw invalidValue(name, raw);
    return Number(raw);
  }

  boolean(name: string): boolean | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (raw !== "true" && raw !== "false") throw invalidValue(name, raw);
    return raw === "true";
  }

  /** `name.1`, `name.2`, …: a list of strings. */
  list(name: string): string[] {
    return this.#indexed(name).flatMap((entries) => entries.get("") ?? []);
  }

  /** `name.1.Member`, …: a list of structures, each read with its own QueryParams. */
  structs(name: string): QueryParams[] {
    return this.#indexed(name).map((entries) => {
      entries.delete("");
      return new QueryParams(entries);
    });
  }

  /** The members of `name.N…` grouped by N in index order, keyed by what follows `name.N.` ("" for none). */
  #indexed(name: string): Map<string, string>[] {
    const prefix = `${name}.`;
    const byIndex = new Map<number, Map<string, string>>();
    for (const [key, value] of this.values) {
      if (!key.startsWith(prefix)) continue;
      const [index = "", ...rest] = key.slice(prefix.length).split(".");
      if (!/^[1-9]\d*$/.test(index)) throw invalidValue(key, value);
      const entries = byIndex.get(Number(index)) ?? new Map<string, string>();
      entries.set(rest.join("."), value);
      byIndex.set(Number(index), entries);
    }
    return [...byIndex].sort(([a], [b]) => a - b).map(([, entries]) => entries);
  }
}

function invalidValue(name: string, value: string): AwsError {
  return new AwsError("InvalidParameterValue", `Value (${value}) for parameter ${name} is invalid.`);
}
