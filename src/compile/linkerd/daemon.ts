import { namespaceDtabText } from "../../routing/compile.js";
import { API_VERSION } from "../../specs/common.js";
import type { ManifestSet } from "../../specs/manifest-set.js";
import type { Mesh } from "../../specs/mesh.js";
import { Service } from "../../specs/service.js";
import { linkerdConfigYaml, NODE_IP, renderLinkerdConfig } from "./config.js";

/** The DAEMON service's name; a Service manifest may not take it. */
export const LINKERD_SERVICE = "linkerd";

/**
 * Where the buoyantio/linkerd image keeps its launcher, which the entry script must exec after
 * writing the config: /io.buoyant/linkerd/<version>/bundle-exec.
 */
export function linkerdLauncher(image: string): string | undefined {
  const version = /:(\d+\.\d+\.\d+)$/.exec(image)?.[1];
  return version ? `/io.buoyant/linkerd/${version}/bundle-exec` : undefined;
}

/**
 * Writes $LINKERD_CONFIG to a file with this node's IP filled in (from the EC2 instance metadata,
 * IMDSv2 when available, else v1, as the workshop did) and starts linkerd on it.
 */
function entryScript(launcher: string): string {
  return [
    "set -eu",
    "TOKEN=$(curl -sf -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token || true)",
    // A shell parameter expansion, not a template: send the IMDSv2 token header only when there is a token.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax
    'NODE_IP=$(curl -sf -m 2 ${TOKEN:+-H "X-aws-ec2-metadata-token: $TOKEN"} http://169.254.169.254/latest/meta-data/local-ipv4)',
    `printf '%s\\n' "$LINKERD_CONFIG" | sed "s/${NODE_IP}/$NODE_IP/g" > /tmp/linkerd.yaml`,
    `exec ${launcher} /tmp/linkerd.yaml`,
  ].join("\n");
}

/**
 * The linkerd DAEMON as a Service manifest, so the ECS controller renders, compares and rolls it
 * like any other: a config change is a new revision and a rolling update, no change is nothing.
 * Its admin port is registered in Consul as `linkerd`, where monitoring finds it (as linkerd-viz did).
 */
export function linkerdDaemon(set: ManifestSet): Service | undefined {
  const mesh: Mesh = set.mesh.manifest;
  const { daemon, image, ports } = mesh.spec.linkerd;
  const launcher = linkerdLauncher(image);
  if (!daemon.enabled || !launcher) return undefined;
  const config = linkerdConfigYaml(renderLinkerdConfig(mesh, namespaceDtabText(set)));
  return Service.parse({
    apiVersion: API_VERSION,
    kind: "Service",
    metadata: { name: LINKERD_SERVICE, labels: { "ecsmesh.io/component": "linkerd" } },
    spec: {
      image,
      entryPoint: ["/bin/sh", "-c"],
      command: [entryScript(launcher)],
      memory: daemon.memory,
      ...(daemon.cpu === undefined ? {} : { cpu: daemon.cpu }),
      scheduling: "DAEMON",
      launchType: "EC2",
      networkMode: mesh.spec.ecs.defaults.networkMode === "host" ? "host" : "bridge",
      ports: [
        { containerPort: ports.outgoing, hostPort: ports.outgoing, name: "outgoing" },
        { containerPort: ports.incoming, hostPort: ports.incoming, name: "incoming" },
        { containerPort: ports.admin, hostPort: ports.admin, name: "admin" },
      ],
      env: { LINKERD_CONFIG: config },
      discovery: { consul: { name: LINKERD_SERVICE, port: "admin" } },
      metrics: { port: "admin", path: "/admin/metrics/prometheus" },
    },
  });
}
