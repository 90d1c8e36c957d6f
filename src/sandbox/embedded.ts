import { type CloudMapServer, startCloudMapServer } from "./cloudmap/server.js";
import { type ConsulServer, startConsulServer } from "./consul/server.js";
import { instancesOf } from "./ec2/ecs-instances.js";
import { type Ec2Server, startEc2Server } from "./ec2/server.js";
import { type EcsServer, startEcsServer } from "./ecs/server.js";
import { type NamerdServer, startNamerdServer } from "./namerd/server.js";

/** The environment that points the AWS SDK, Consul clients and ecsmesh at a sandbox. */
export const SANDBOX_ENDPOINT_VARIABLES = [
  "AWS_ENDPOINT_URL_ECS",
  "AWS_ENDPOINT_URL_EC2",
  "AWS_ENDPOINT_URL_SERVICEDISCOVERY",
  "CONSUL_HTTP_ADDR",
  "ECSMESH_NAMERD_URL",
] as const;

export interface EmbeddedSandbox {
  /** Variables to export so clients reach the sandbox (only for the servers started here). */
  readonly env: Readonly<Record<string, string>>;
  readonly ecs: EcsServer | undefined;
  readonly consul: ConsulServer | undefined;
  readonly namerd: NamerdServer | undefined;
  close(): Promise<void>;
}

/**
 * Local ECS (+ EC2 for instance IPs), Cloud Map, Consul and namerd on loopback, each started only
 * when the environment does not already name an endpoint for it, so a real Consul can be used
 * with a simulated ECS, or the reverse.
 */
export async function startEmbeddedSandbox(options: {
  readonly clusters: readonly string[];
  readonly environment: Readonly<Record<string, string | undefined>>;
}): Promise<EmbeddedSandbox> {
  const given = (name: string) => Boolean(options.environment[name]);
  const env: Record<string, string> = {};
  const closers: (() => Promise<void>)[] = [];
  let ecs: EcsServer | undefined;
  let ec2: Ec2Server | undefined;
  let cloudMap: CloudMapServer | undefined;
  let consul: ConsulServer | undefined;
  let namerd: NamerdServer | undefined;
  if (!given("AWS_ENDPOINT_URL_ECS")) {
    ecs = await startEcsServer({ clusters: options.clusters });
    env.AWS_ENDPOINT_URL_ECS = ecs.url;
    closers.push(() => (ecs as EcsServer).close());
    if (!given("AWS_ENDPOINT_URL_EC2")) {
      ec2 = await startEc2Server({ instances: instancesOf(ecs.ecs.state) });
      env.AWS_ENDPOINT_URL_EC2 = ec2.url;
      closers.push(() => (ec2 as Ec2Server).close());
    }
  }
  if (!given("AWS_ENDPOINT_URL_SERVICEDISCOVERY")) {
    cloudMap = await startCloudMapServer();
    env.AWS_ENDPOINT_URL_SERVICEDISCOVERY = cloudMap.url;
    closers.push(() => (cloudMap as CloudMapServer).close());
  }
  if (!given("CONSUL_HTTP_ADDR")) {
    consul = await startConsulServer();
    env.CONSUL_HTTP_ADDR = consul.url;
    closers.push(() => (consul as ConsulServer).close());
  }
  if (!given("ECSMESH_NAMERD_URL")) {
    namerd = await startNamerdServer();
    env.ECSMESH_NAMERD_URL = namerd.url;
    closers.push(() => (namerd as NamerdServer).close());
  }
  // The SDK wants credentials even for a local endpoint; the sandbox ignores them.
  if (Object.keys(env).some((k) => k.startsWith("AWS_")) && !given("AWS_ACCESS_KEY_ID")) {
    env.AWS_ACCESS_KEY_ID = "sandbox";
    env.AWS_SECRET_ACCESS_KEY = "sandbox";
  }
  return {
    env,
    ecs,
    consul,
    namerd,
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
