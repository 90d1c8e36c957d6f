import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SdkCloudMapApi } from "../../src/controllers/cloudmap/cloudmap-client.js";
import { HttpConsulApi } from "../../src/controllers/consul/consul-client.js";
import { SdkEc2Addresses } from "../../src/controllers/ec2/ec2-client.js";
import { SdkEcsApi } from "../../src/controllers/ecs/ecs-client.js";
import { newTaskObservationCache } from "../../src/controllers/ecs/tasks.js";
import type { MeshTargets } from "../../src/controllers/mesh.js";
import { HttpNamerdApi, type NamerdApi } from "../../src/controllers/namerd/namerd-client.js";
import { FileInventoryStore } from "../../src/inventory/store.js";
import { instancesOf } from "../../src/sandbox/ec2/ecs-instances.js";
import { type Ec2Server, startEc2Server } from "../../src/sandbox/ec2/server.js";
import { type EcsServer, startEcsServer } from "../../src/sandbox/ecs/server.js";
import { type NamerdServer, startNamerdServer } from "../../src/sandbox/namerd/server.js";

export const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
export const FAST_POLICY = { retries: 3, minBackoffMs: 10, maxBackoffMs: 100, timeoutMs: 3_000 };
export const REGION = "us-east-1";

/** The local servers one mesh pass talks to, all on loopback. */
export interface Sandbox {
  readonly ecs: EcsServer;
  readonly ec2: Ec2Server;
  readonly namerd: NamerdServer;
  readonly inventoryFile: string;
  close(): Promise<void>;
}

export async function startSandbox(cluster: string): Promise<Sandbox> {
  const ecs = await startEcsServer({
    clusters: [cluster],
    faults: { throttling: false },
    timing: { taskStartMs: 20, tickMs: 10 },
  });
  const ec2 = await startEc2Server({ instances: instancesOf(ecs.ecs.state) });
  const namerd = await startNamerdServer();
  const inventoryFile = path.join(await mkdtemp(path.join(tmpdir(), "ecsmesh-mesh-")), "inventory.json");
  return {
    ecs,
    ec2,
    namerd,
    inventoryFile,
    close: async () => {
      await Promise.all([ecs.close(), ec2.close(), namerd.close()]);
    },
  };
}

export interface TargetOverrides {
  readonly consulUrl?: string;
  readonly cloudMapUrl?: string;
  readonly namerd?: NamerdApi;
}

/** Real clients pointed at the sandbox, as the CLI builds them for AWS. */
export function targetsFor(sandbox: Sandbox, overrides: TargetOverrides = {}): MeshTargets {
  const ecs = new SdkEcsApi({
    region: REGION,
    endpoint: sandbox.ecs.url,
    credentials: CREDENTIALS,
    policy: FAST_POLICY,
  });
  return {
    ecs: { api: ecs, store: new FileInventoryStore(sandbox.inventoryFile), cache: new Map() },
    tasks: ecs,
    addresses: new SdkEc2Addresses({
      region: REGION,
      endpoint: sandbox.ec2.url,
      credentials: CREDENTIALS,
      policy: FAST_POLICY,
    }),
    taskCache: newTaskObservationCache(),
    consul: overrides.consulUrl
      ? new HttpConsulApi({ address: overrides.consulUrl, token: undefined, policy: FAST_POLICY })
      : undefined,
    namerd: overrides.namerd ?? new HttpNamerdApi(sandbox.namerd.url, FAST_POLICY),
    cloudMap: overrides.cloudMapUrl
      ? new SdkCloudMapApi({
          region: REGION,
          endpoint: overrides.cloudMapUrl,
          credentials: CREDENTIALS,
          policy: FAST_POLICY,
        })
      : undefined,
  };
}
