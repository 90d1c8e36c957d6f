/** A local EC2 server and a real SDK client for it, for the EC2 sandbox tests. */

import { EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import { expect } from "vitest";
import type { SimulatedInstance } from "../../../src/sandbox/ec2/instance.js";
import { type Ec2Server, type Ec2ServerOptions, startEc2Server } from "../../../src/sandbox/ec2/server.js";
import { CREDENTIALS } from "../support.js";

export interface TestEc2 {
  readonly server: Ec2Server;
  readonly client: EC2Client;
  close(): Promise<void>;
}

export function ec2Client(url: string, maxAttempts = 1): EC2Client {
  return new EC2Client({ endpoint: url, region: "us-east-1", credentials: CREDENTIALS, maxAttempts });
}

/** Starts a server (no throttling unless asked) and a client that does not retry. */
export async function startTestEc2(options: Ec2ServerOptions): Promise<TestEc2> {
  const server = await startEc2Server({ ...options, faults: { throttling: false, ...options.faults } });
  const client = ec2Client(server.url);
  return {
    server,
    client,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

/** The n-th test instance: a long id ending in n, 10.0.1.n, zones a, b, c in turn. */
export function testInstance(n: number, overrides: Partial<SimulatedInstance> = {}): SimulatedInstance {
  return {
    instanceId: `i-${n.toString(16).padStart(17, "0")}`,
    privateIp: `10.0.1.${n}`,
    availabilityZone: `us-east-1${"abc"[n % 3]}`,
    ...overrides,
  };
}

/** The EC2 error a call fails with. */
export async function ec2Error(call: Promise<unknown>): Promise<EC2ServiceException> {
  const error = await call.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(EC2ServiceException);
  return error as EC2ServiceException;
}
