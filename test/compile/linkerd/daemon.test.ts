import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderService } from "../../../src/compile/ecs/render.js";
import { LinkerdConfig } from "../../../src/compile/linkerd/config-schema.js";
import { linkerdDaemon, linkerdLauncher } from "../../../src/compile/linkerd/daemon.js";
import { loadManifests } from "../../../src/compile/load.js";
import type { ManifestSet } from "../../../src/specs/manifest-set.js";

const MESH = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: {name: demo}
spec:
  ecs: {cluster: demo, region: us-east-1}
  consul: {address: "http://127.0.0.1:8500", datacenter: dc1}
`;
const WORLD = `apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata: {name: world}
spec:
  image: buoyantio/helloworld:0.1.6
  memory: 128
  ports: [{containerPort: 7778}]
  discovery: {consul: {}}
`;
const V2 = WORLD.replace("name: world}", "name: world-v2}");
const CANARY = `apiVersion: ecsmesh.io/v1alpha1
kind: Route
metadata: {name: canary}
spec:
  rules: [{match: /svc/world, to: [{service: world, weight: 9}, {service: world-v2, weight: 1}]}]
`;

function load(...documents: string[]): ManifestSet {
  const result = loadManifests(documents.map((text, i) => ({ file: `m${i}.yaml`, text })));
  if (!result.ok) throw new Error(result.diagnostics.map((d) => `${d.path}: ${d.message}`).join("\n"));
  return result.set;
}

function configOf(set: ManifestSet): LinkerdConfig {
  const env = linkerdDaemon(set)?.spec.env ?? {};
  return LinkerdConfig.parse(parse(env.LINKERD_CONFIG ?? ""));
}

describe("the linkerd daemon", () => {
  it("renders the workshop's config, checked against linkerd's documented keys", () => {
    const config = configOf(load(MESH, WORLD));
    expect(config.admin).toEqual({ ip: "0.0.0.0", port: 9990 });
    expect(config.namers).toEqual([{ kind: "io.l5d.consul", host: "__NODE_IP__", port: 8500 }]);
    expect(config.telemetry).toEqual([
      { kind: "io.l5d.prometheus" },
      { kind: "io.l5d.recentRequests", sampleRate: 0.25 },
    ]);
    const [outgoing, incoming] = config.routers;
    expect(outgoing).toMatchObject({
      label: "outgoing",
      servers: [{ ip: "0.0.0.0", port: 4140 }],
      interpreter: { kind: "default", transformers: [{ kind: "io.l5d.port", port: 4141 }] },
      dtab: "/svc => /#/io.l5d.consul/dc1;\n",
    });
    expect(incoming).toMatchObject({
      label: "incoming",
      servers: [{ ip: "0.0.0.0", port: 4141 }],
      interpreter: { kind: "default", transformers: [{ kind: "io.l5d.specificHost", host: "__NODE_IP__" }] },
    });
  });

  it("refuses a config key linkerd does not document", () => {
    const config = configOf(load(MESH, WORLD));
    expect(LinkerdConfig.safeParse({ ...config, admin: { ...config.admin, prot: 1 } }).success).toBe(false);
  });

  it("runs as a DAEMON on the host ports, launching the image's own bundle-exec", () => {
    const daemon = linkerdDaemon(load(MESH));
    expect(daemon?.spec.scheduling).toBe("DAEMON");
    expect(daemon?.spec.ports.map((p) => [p.containerPort, p.hostPort])).toEqual([
      [4140, 4140],
      [4141, 4141],
      [9990, 9990],
    ]);
    expect(daemon?.spec.command?.[0]).toContain(
      "exec /io.buoyant/linkerd/1.7.5/bundle-exec /tmp/linkerd.yaml",
    );
    expect(daemon?.spec.discovery.consul).toEqual({ name: "linkerd", port: "admin", tags: [] });
    expect(linkerdLauncher("buoyantio/linkerd:latest")).toBeUndefined();
  });

  it("puts Routes into the routers' dtab without namerd, so a route change is a new revision", () => {
    const without = load(MESH, WORLD, V2);
    const withCanary = load(MESH, WORLD, V2, CANARY);
    expect(configOf(withCanary).routers[0]?.dtab).toBe(
      "/svc => /#/io.l5d.consul/dc1;\n/svc/world => 9 * /#/io.l5d.consul/dc1/world & 1 * /#/io.l5d.consul/dc1/world-v2;\n",
    );
    const fingerprint = (set: ManifestSet) => {
      const daemon = linkerdDaemon(set);
      if (!daemon) throw new Error("no daemon");
      return renderService(set.mesh.manifest, daemon).fingerprint;
    };
    expect(fingerprint(withCanary)).not.toBe(fingerprint(without));
    expect(fingerprint(load(MESH, WORLD, V2))).toBe(fingerprint(without));
  });

  it("reads routes from namerd when the Mesh has one, so a route change does not touch the daemon", () => {
    const namerd = MESH.replace(
      "  consul:",
      "  linkerd: {namerd: {url: 'http://namerd.internal:4180'}}\n  consul:",
    );
    const config = configOf(load(namerd, WORLD, V2, CANARY));
    expect(config.namers).toBeUndefined();
    expect(config.routers[0]).toMatchObject({
      interpreter: { kind: "io.l5d.namerd", dst: "/$/inet/namerd.internal/4100", namespace: "default" },
    });
    expect(config.routers[0]?.dtab).toBeUndefined();
    expect(linkerdDaemon(load(namerd, WORLD, V2))?.spec.env).toEqual(
      linkerdDaemon(load(namerd, WORLD, V2, CANARY))?.spec.env,
    );
  });

  it("is not rendered when the Mesh turns it off, and its name is reserved otherwise", () => {
    expect(
      linkerdDaemon(load(MESH.replace("  consul:", "  linkerd: {daemon: {enabled: false}}\n  consul:"))),
    ).toBeUndefined();
    const clash = loadManifests([
      { file: "m.yaml", text: MESH },
      { file: "s.yaml", text: WORLD.replace("name: world}", "name: linkerd}") },
    ]);
    expect(clash.ok).toBe(false);
    if (!clash.ok) expect(clash.diagnostics[0]?.message).toMatch(/name of the mesh's linkerd daemon/);
  });
});
