import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { emptyInventory, type Inventory } from "./inventory.js";

/** Where the inventory lives; it must outlive the process and be shared by every writer. */
export interface InventoryStore {
  /** A description for logs and status (never a secret). */
  readonly location: string;
  load(owner: string, cluster: string): Promise<Inventory>;
  save(inventory: Inventory): Promise<void>;
}

const InventoryFile = z.object({
  version: z.literal(1),
  owner: z.string(),
  cluster: z.string(),
  services: z.record(
    z.string(),
    z.object({
      arn: z.string(),
      family: z.string(),
      revisions: z.array(
        z.object({ arn: z.string(), fingerprint: z.string(), deployment: z.string().optional() }),
      ),
      registering: z.string().optional(),
    }),
  ),
  dtabs: z.record(z.string(), z.string()).optional(),
});

/**
 * A JSON file, written atomically (temp file + rename) so a crash never leaves half an inventory.
 * A missing file is an empty inventory, which prunes nothing.
 */
export class FileInventoryStore implements InventoryStore {
  constructor(private readonly file: string) {}

  get location(): string {
    return `file:${this.file}`;
  }

  async load(owner: string, cluster: string): Promise<Inventory> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyInventory(owner, cluster);
      throw error;
    }
    const inventory = InventoryFile.parse(JSON.parse(text));
    if (inventory.owner !== owner || inventory.cluster !== cluster) {
      throw new Error(
        `${this.file} is the inventory of owner ${inventory.owner} in cluster ${inventory.cluster}, not ${owner} in ${cluster}`,
      );
    }
    return inventory;
  }

  async save(inventory: Inventory): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(inventory, null, 2)}\n`);
    await rename(temporary, this.file);
  }
}
