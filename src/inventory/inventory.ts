/**
 * What this controller created, per owner: the only things it may ever delete. Pure data with
 * pure helpers; stores load and save it. Ownership needs both this record and our owner tag:
 * tags alone are unsafe because operators copy them.
 */
export interface Inventory {
  readonly version: 1;
  readonly owner: string;
  readonly cluster: string;
  /** ECS services by name. */
  readonly services: Readonly<Record<string, InventoryService>>;
  /** Dtab namespace -> fingerprint of the dtab we last wrote to namerd, to tell hand edits apart. */
  readonly dtabs?: Readonly<Record<string, string>>;
}

export interface InventoryService {
  readonly arn: string;
  readonly family: string;
  /** Task-definition revisions we registered for this service, oldest first. */
  readonly revisions: readonly InventoryRevision[];
  /**
   * Fingerprint of a RegisterTaskDefinition sent and not yet recorded (write-ahead): a writer
   * killed meanwhile may have left a revision in ECS that is in no record, to be found, not redone.
   */
  readonly registering?: string;
}

export interface InventoryRevision {
  readonly arn: string;
  /** Hash of the canonical definition we registered: lets a no-op pass skip DescribeTaskDefinition. */
  readonly fingerprint: string;
  /**
   * The ECS deployment we started for this revision. When ECS reports that deployment failed (and
   * rolled back), the revision is not deployed again until the manifests change.
   */
  readonly deployment?: string;
}

export function emptyInventory(owner: string, cluster: string): Inventory {
  return { version: 1, owner, cluster, services: {} };
}

/** Inventory services that the desired set no longer names: the candidates for pruning. */
export function pruneCandidates(inventory: Inventory, desired: ReadonlySet<string>): string[] {
  return Object.keys(inventory.services)
    .filter((name) => !desired.has(name))
    .sort();
}

export function withService(inventory: Inventory, name: string, entry: InventoryService): Inventory {
  return { ...inventory, services: { ...inventory.services, [name]: entry } };
}

export function withoutService(inventory: Inventory, name: string): Inventory {
  const { [name]: _removed, ...rest } = inventory.services;
  return { ...inventory, services: rest };
}

export function withRevision(
  inventory: Inventory,
  name: string,
  family: string,
  revision: InventoryRevision,
): Inventory {
  const current = inventory.services[name];
  const revisions = [...(current?.revisions ?? []).filter((r) => r.arn !== revision.arn), revision];
  return withService(inventory, name, { arn: current?.arn ?? "", family, revisions });
}

/** Marks a registration about to be sent, before it is; withRevision clears the mark. */
export function withRegistering(
  inventory: Inventory,
  name: string,
  family: string,
  fingerprint: string,
): Inventory {
  const current = inventory.services[name];
  return withService(inventory, name, {
    arn: current?.arn ?? "",
    family,
    revisions: current?.revisions ?? [],
    registering: fingerprint,
  });
}

export function withoutRevision(inventory: Inventory, name: string, arn: string): Inventory {
  const current = inventory.services[name];
  if (!current) return inventory;
  return withService(inventory, name, {
    ...current,
    revisions: current.revisions.filter((r) => r.arn !== arn),
  });
}

/** The fingerprint we recorded for a revision we registered, if we registered it. */
export function fingerprintOf(inventory: Inventory, name: string, arn: string): string | undefined {
  return inventory.services[name]?.revisions.find((r) => r.arn === arn)?.fingerprint;
}

export function withDeployment(
  inventory: Inventory,
  name: string,
  arn: string,
  deployment: string,
): Inventory {
  const current = inventory.services[name];
  if (!current) return inventory;
  const revisions = current.revisions.map((r) => (r.arn === arn ? { ...r, deployment } : r));
  return withService(inventory, name, { ...current, revisions });
}

/** The newest revision we registered with this fingerprint, if any. */
export function latestWithFingerprint(
  inventory: Inventory,
  name: string,
  fingerprint: string,
): InventoryRevision | undefined {
  return inventory.services[name]?.revisions.findLast((r) => r.fingerprint === fingerprint);
}
