import type { Inventory } from "./inventory.js";
import type { InventoryStore } from "./store.js";

/**
 * The inventory while an apply changes it: every change is saved as it happens (write-ahead), so a
 * process killed mid-apply leaves a record of everything it created. Saves never overlap; changes
 * made while one is in flight go out together in the next, so 1,000 creations do not cost 1,000
 * sequential writes.
 */
export class InventoryJournal {
  private saved: Inventory;
  private current: Inventory;
  /** The save under way, if any, and what it writes. */
  private writing: { readonly snapshot: Inventory; readonly done: Promise<void> } | undefined;
  /** The save queued behind it, shared by everyone who changed something meanwhile. */
  private queued: Promise<void> | undefined;

  constructor(
    private readonly store: InventoryStore,
    start: Inventory,
  ) {
    this.saved = start;
    this.current = start;
  }

  get inventory(): Inventory {
    return this.current;
  }

  /** Applies a change and resolves once it is durable in the store. */
  record(change: (inventory: Inventory) => Inventory): Promise<void> {
    this.current = change(this.current);
    return this.flush();
  }

  /** Resolves once everything recorded so far is durable. */
  flush(): Promise<void> {
    if (this.queued) return this.queued;
    if (this.writing && this.writing.snapshot === this.current) return this.writing.done;
    if (!this.writing && this.current === this.saved) return Promise.resolve();
    const previous = this.writing?.done ?? Promise.resolve();
    const done: Promise<void> = previous
      .catch(() => {})
      .then(async () => {
        this.queued = undefined;
        const snapshot = this.current;
        if (snapshot === this.saved) return;
        this.writing = { snapshot, done };
        try {
          await this.store.save(snapshot);
          this.saved = snapshot;
        } finally {
          if (this.writing?.done === done) this.writing = undefined;
        }
      });
    this.queued = done;
    return done;
  }
}
