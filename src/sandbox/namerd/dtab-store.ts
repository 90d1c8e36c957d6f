import { type Dtab, DtabSyntaxError, parseDtab } from "./dtab-syntax.js";

/** A namespace's dtab with its version stamp, which namerd serves as the ETag. */
export interface VersionedDtab {
  readonly dtab: Dtab;
  readonly version: string;
}

export type UpdateOutcome = "updated" | "missing" | "versionMismatch";

/**
 * namerd's in-memory dtab storage. Versions are 8-byte big-endian counters in base64, as namerd's
 * in-memory store writes them, but drawn from one counter for the whole store: namerd restarts a
 * recreated namespace at version 1, so an ETag read before a delete could match again after it.
 */
export class DtabStore {
  readonly #dtabs = new Map<string, VersionedDtab>();
  #lastVersion = 0n;

  constructor(namespaces: Readonly<Record<string, string>> = {}) {
    for (const [namespace, text] of Object.entries(namespaces)) this.put(namespace, text);
  }

  /** Namespace names, sorted as namerd lists them. */
  list(): string[] {
    return [...this.#dtabs.keys()].sort();
  }

  get(namespace: string): VersionedDtab | undefined {
    return this.#dtabs.get(namespace);
  }

  /** Creates the namespace; false when it already exists. */
  create(namespace: string, dtab: Dtab): boolean {
    if (this.#dtabs.has(namespace)) return false;
    this.#store(namespace, dtab);
    return true;
  }

  /** Compare-and-set: replaces the dtab only when `version` is the current one. */
  update(namespace: string, dtab: Dtab, version: string): UpdateOutcome {
    const current = this.#dtabs.get(namespace);
    if (current === undefined) return "missing";
    if (current.version !== version) return "versionMismatch";
    this.#store(namespace, dtab);
    return "updated";
  }

  /** Unconditional upsert; tests use it to simulate a hand edit (dtab text is parsed, and must parse). */
  put(namespace: string, dtab: Dtab | string): VersionedDtab {
    return this.#store(namespace, typeof dtab === "string" ? parsed(dtab, namespace) : dtab);
  }

  /** Deletes the namespace; false when there was none. */
  delete(namespace: string): boolean {
    return this.#dtabs.delete(namespace);
  }

  #store(namespace: string, dtab: Dtab): VersionedDtab {
    this.#lastVersion += 1n;
    const stamp = Buffer.alloc(8);
    stamp.writeBigInt64BE(this.#lastVersion);
    const versioned = { dtab, version: stamp.toString("base64") };
    this.#dtabs.set(namespace, versioned);
    return versioned;
  }
}

function parsed(text: string, namespace: string): Dtab {
  try {
    return parseDtab(text);
  } catch (error) {
    if (error instanceof DtabSyntaxError)
      throw new SyntaxError(`dtab for namespace ${namespace}, ${error.message}`);
    throw error;
  }
}
