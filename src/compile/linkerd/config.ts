import { stringify } from "yaml";
import type { Mesh } from "../../specs/mesh.js";
import { LinkerdConfig } from "./config-schema.js";

/** Replaced by the node's private IP when the container starts (the address differs per node). */
export const NODE_IP = "__NODE_IP__";

/**
 * The workshop's linkerd config, derived from the Mesh: router `outgoing` (:4140) hands requests
 * to the destination node's `incoming` router (:4141) via io.l5d.port, which delivers them on that
 * node via io.l5d.specificHost; names resolve through the node-local Consul agent, or through
 * namerd when the Mesh has one (then `dtab` is unused: namerd serves it).
 */
export function renderLinkerdConfig(mesh: Mesh, dtab: string): LinkerdConfig {
  const { ports, namerd, namespace } = mesh.spec.linkerd;
  const consulPort = Number(new URL(mesh.spec.consul.address).port || 8500);
  const resolve = (
    transformers: NonNullable<LinkerdConfig["routers"][number]["interpreter"]>["transformers"],
  ) =>
    namerd
      ? {
          interpreter: {
            kind: "io.l5d.namerd" as const,
            dst: `/$/inet/${new URL(namerd.url).hostname}/${namerd.interpreterPort}`,
            namespace,
            transformers,
          },
        }
      : { interpreter: { kind: "default" as const, transformers }, dtab };
  return LinkerdConfig.parse({
    admin: { ip: "0.0.0.0", port: ports.admin },
    ...(namerd ? {} : { namers: [{ kind: "io.l5d.consul", host: NODE_IP, port: consulPort }] }),
    telemetry: [{ kind: "io.l5d.prometheus" }, { kind: "io.l5d.recentRequests", sampleRate: 0.25 }],
    usage: { enabled: false },
    routers: [
      {
        protocol: "http",
        label: "outgoing",
        servers: [{ ip: "0.0.0.0", port: ports.outgoing }],
        ...resolve([{ kind: "io.l5d.port", port: ports.incoming }]),
      },
      {
        protocol: "http",
        label: "incoming",
        servers: [{ ip: "0.0.0.0", port: ports.incoming }],
        ...resolve([{ kind: "io.l5d.specificHost", host: NODE_IP }]),
      },
    ],
  });
}

export function linkerdConfigYaml(config: LinkerdConfig): string {
  return stringify(config, { lineWidth: 0 });
}
