import { CallCounter } from "../call-counter.js";
import type { GatedServer } from "../call-gate.js";
import { type FaultSettings, Faults } from "../faults.js";
import type { LocalAddress } from "../local-http.js";
import { EC2_PUBLISHED_LIMITS } from "../published-limits.js";
import { describeInstances } from "./describe-instances.js";
import type { SimulatedInstance } from "./instance.js";
import { startQueryServer } from "./query-server.js";

export const EC2_API_VERSION = "2016-11-15";

export interface Ec2ServerOptions extends LocalAddress {
  /** Read on every request, so that the instances can come and go (see instancesOf for ECS's). */
  readonly instances: () => Iterable<SimulatedInstance>;
  /** Default us-east-1: it shapes the private DNS names. */
  readonly region?: string;
  /** Default 123456789012, the ECS sandbox's: the reservations' owner. */
  readonly accountId?: string;
  /** Default: EC2's documented throttling, no latency, no errors, no resets. */
  readonly faults?: Partial<FaultSettings>;
}

export type Ec2Server = GatedServer;

/** Starts a local Amazon EC2 that answers DescribeInstances over the EC2 Query protocol. */
export async function startEc2Server(options: Ec2ServerOptions): Promise<Ec2Server> {
  const account = {
    region: options.region ?? "us-east-1",
    accountId: options.accountId ?? "123456789012",
    startedAt: new Date(),
  };
  const calls = new CallCounter();
  const faults = new Faults(EC2_PUBLISHED_LIMITS, options.faults);
  const http = await startQueryServer({
    version: EC2_API_VERSION,
    actions: { DescribeInstances: describeInstances(options.instances, account) },
    faults,
    calls,
    host: options.host,
    port: options.port,
  });
  return { url: http.url, calls, faults, close: () => http.close() };
}
