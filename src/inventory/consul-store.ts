import { z } from "zod";
import { chunk } from "../util/concurrency.js";
import { emptyInventory, type Inventory } from "./inventory.js";
import type { InventoryStore } from "./store.js";

const ServiceEntry = z.object({
  arn: z.string(),
  family: z.string(),
  revisions: z.array(
    z.object({ arn: z.string(), fingerprint: z.string(), deployment: z.string().optional() }),
  ),
  registering: z.string().optional(),
});

/** Consul 1.14 raised the transaction limit to 128; 64 works with every version. */
const KV_TXN_MAX_OPS = 64;

/** The Consul calls the store makes; the controller's Consul client (ConsulApi) answers them. */
export interface ConsulKv {
  /** GET /v1/kv/:prefix?recurse: key -> value (decoded), empty when nothing is there. */
  kvList(prefix: string): Promise<Map<string, string>>;
  /** PUT /v1/txn: all operations or none. */
  txn(ops: readonly Readonly<Record<string, unknown>>[]): Promise<void>;
}

/**
 * The inventory in Consul KV, the mesh's own durable, replicated store (where the leader lock
 * also lives): one key per service under `ecsmesh/inventory/<cluster>/<owner>/services/` and one
 * per dtab namespace, so 1,000 services stay far below Consul's 512 KiB value limit and a pass
 * writes only the keys that changed, in transactions.
 */
export class ConsulInventoryStore implements InventoryStore {
  /** What Consul held after our last load or save, to write only differences. */
  private known = new Map<string, string>();

  constructor(
    private readonly consul: ConsulKv,
    private readonly root = "ecsmesh/inventory",
  ) {}

  get location(): string {
    return `consul:${this.root}`;
  }

  private prefix(owner: string, cluster: string): string {
    return `${this.root}/${cluster}/${owner}/`;
  }

  async load(owner: string, cluster: string): Promise<Inventory> {
    const prefix = this.prefix(owner, cluster);
    const entries = await this.consul.kvList(prefix);
    this.known = entries;
    let inventory = emptyInventory(owner, cluster);
    const dtabs: Record<string, string> = {};
    for (const [key, value] of entries) {
      const [kind, name] = key.slice(prefix.length).split("/", 2);
      if (!name) continue;
      if (kind === "services") {
        inventory = {
          ...inventory,
          services: { ...inventory.services, [name]: ServiceEntry.parse(JSON.parse(value)) },
        };
      } else if (kind === "dtabs") {
        dtabs[name] = value;
      }
    }
    return Object.keys(dtabs).length > 0 ? { ...inventory, dtabs } : inventory;
  }

  async save(inventory: Inventory): Promise<void> {
    const prefix = this.prefix(inventory.owner, inventory.cluster);
    const wanted = new Map<string, string>([
      ...Object.entries(inventory.services).map(
        ([name, entry]) => [`${prefix}services/${name}`, JSON.stringify(entry)] as const,
      ),
      ...Object.entries(inventory.dtabs ?? {}).map(
        ([ns, fingerprint]) => [`${prefix}dtabs/${ns}`, fingerprint] as const,
      ),
    ]);
    const ops = [
      ...[...wanted]
        .filter(([key, value]) => this.known.get(key) !== value)
        .map(([key, value]) => ({
          KV: { Verb: "set", Key: key, Value: Buffer.from(value).toString("base64") },
        })),
      ...[...this.known.keys()]
        .filter((key) => !wanted.has(key))
        .map((key) => ({ KV: { Verb: "delete", Key: key } })),
    ];
    for (const batch of chunk(ops, KV_TXN_MAX_OPS)) await this.consul.txn(batch);
    this.known = wanted;
  }
}
