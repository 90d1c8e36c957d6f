/** A service instance in the catalog: as this controller writes it and as Consul reports any. */
export interface CatalogEntry {
  readonly id: string;
  readonly service: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
}

/** A catalog registration this controller wants: one running task of one Service. */
export interface Registration extends CatalogEntry {
  readonly check: RegistrationCheck | undefined;
}

/**
 * A check record on the synthetic node. No agent runs checks there: consul-esm (or another
 * external checker) executes `definition` and owns `status` afterwards.
 */
export interface RegistrationCheck {
  readonly checkId: string;
  readonly name: string;
  readonly status: "passing" | "critical";
  readonly definition: {
    readonly HTTP: string;
    readonly Interval: string;
    readonly Timeout: string;
    readonly DeregisterCriticalServiceAfter: string;
  };
}

/** A Consul transaction operation (PUT /v1/txn), in the API's own JSON shape. */
export type TxnOp = Readonly<Record<string, unknown>>;

/** Meta keys that mark a registration as ours; registrations without them are never touched. */
export const OWNER_META = "ecsmesh_owner";

/** All of one cluster's registrations live on one synthetic node, so one read observes them all. */
export function syntheticNode(cluster: string): string {
  return `ecsmesh-${cluster}`;
}
