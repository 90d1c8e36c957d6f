import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifestDir, loadManifests } from "../../src/compile/load.js";
import { type Diagnostic, formatDiagnostic } from "../../src/specs/diagnostic.js";
import type { LoadResult } from "../../src/specs/loader.js";

const MESH = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata:
  name: demo
spec:
  ecs:
    cluster: demo
    region: us-east-1
`;

function service(name: string, spec: string): string {
  return `apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata:
  name: ${name}
spec:
${spec
  .trim()
  .split("\n")
  .map((line) => `  ${line}`)
  .join("\n")}
`;
}

function load(...texts: string[]): LoadResult {
  return loadManifests(texts.map((text, i) => ({ file: `m${i}.yaml`, text })));
}

function errors(result: LoadResult): Diagnostic[] {
  if (result.ok) throw new Error("expected the set to be rejected");
  return result.diagnostics.filter((d) => d.severity === "error");
}

function lines(result: LoadResult): string[] {
  return errors(result).map(formatDiagnostic);
}

describe("loading a valid set", () => {
  it("returns typed manifests with defaults filled in", () => {
    const result = load(
      MESH,
      service(
        "api",
        "image: api:1\nmemory: 256\nports: [{containerPort: 8080}]\nenv: {PORT: 8080, DEBUG: true}",
      ),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const mesh = result.set.mesh.manifest.spec;
    expect(mesh.linkerd.ports).toEqual({ outgoing: 4140, incoming: 4141, admin: 9990 });
    expect(mesh.consul).toEqual({ address: "http://127.0.0.1:8500", datacenter: "dc1" });
    expect(mesh.prune).toEqual({ enabled: true, maxDeletePercent: 50 });
    expect(mesh.ecs.defaults).toEqual({ launchType: "EC2", networkMode: "bridge" });
    const api = result.set.services[0]?.manifest.spec;
    expect(api?.ports).toEqual([{ containerPort: 8080, protocol: "tcp" }]);
    // ECS only takes strings; YAML numbers and booleans are converted, not rejected.
    expect(api?.env).toEqual({ PORT: "8080", DEBUG: "true" });
    expect(api?.desiredCount).toBeUndefined();
  });

  it("parses durations once, into milliseconds", () => {
    const result = load(
      MESH,
      service(
        "api",
        `image: api:1
memory: 256
ports: [{containerPort: 80}]
healthCheck: {command: [CMD-SHELL, "curl -f localhost"], interval: 1m, timeout: 10s}
discovery:
  consul:
    healthCheck: {http: /health}`,
      ),
    );
    if (!result.ok) throw new Error(lines(result).join("\n"));
    const spec = result.set.services[0]?.manifest.spec;
    expect(spec?.healthCheck).toMatchObject({ interval: 60_000, timeout: 10_000, retries: 3 });
    expect(spec?.discovery.consul?.healthCheck).toEqual({
      http: "/health",
      interval: 10_000,
      timeout: 2_000,
      deregisterCriticalServiceAfter: 600_000,
    });
  });

  it("has a digest that ignores field order and formatting but not content", () => {
    const a = load(MESH, service("api", "image: api:1\nmemory: 256"));
    const b = load(service("api", "memory: 256\nimage:   'api:1'"), MESH);
    const c = load(MESH, service("api", "image: api:2\nmemory: 256"));
    if (!a.ok || !b.ok || !c.ok) throw new Error("expected valid sets");
    expect(a.set.digest).toBe(b.set.digest);
    expect(a.set.digest).not.toBe(c.set.digest);
  });
});

describe("rejecting mistakes with positions", () => {
  it("reports an unknown field at its key, with a did-you-mean", () => {
    expect(lines(load(MESH, service("api", "image: api:1\nmemory: 256\ndesiredCont: 2")))).toEqual([
      'm1.yaml:8:3: error: unknown field "desiredCont" (did you mean "desiredCount"?) (spec.desiredCont)',
    ]);
  });

  it("refuses a Consul token in a manifest", () => {
    const text = MESH.replace("spec:\n", "spec:\n  consul:\n    token: abc\n");
    expect(lines(load(text))).toEqual([
      'm0.yaml:7:5: error: field "token" is not allowed: the Consul token is read from CONSUL_HTTP_TOKEN only, never from manifests (spec.consul.token)',
    ]);
  });

  it("refuses plain-text secrets and non-ARN references", () => {
    const result = load(
      MESH,
      service(
        "api",
        `image: api:1
memory: 256
executionRoleArn: arn:aws:iam::123456789012:role/exec
secrets:
  A: hunter2
  B: {valueFrom: my-param}
  C: {valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/db/password"}`,
      ),
    );
    expect(lines(result)).toEqual([
      "m1.yaml:10:8: error: a secret must be {valueFrom: <SSM or Secrets Manager ARN>}; plain-text values are not allowed here (use env for non-secret values) (spec.secrets.A)",
      "m1.yaml:11:20: error: valueFrom must be an SSM parameter ARN or a Secrets Manager secret ARN (spec.secrets.B.valueFrom)",
    ]);
  });

  it("reports wrong types, missing fields and out-of-range values", () => {
    expect(lines(load(MESH, service("api", 'memory: "lots"\ndesiredCount: -1')))).toEqual([
      "m1.yaml:6:3: error: required field is missing (expected string) (spec.image)",
      "m1.yaml:6:11: error: expected number, got a string (spec.memory)",
      "m1.yaml:7:17: error: too small: expected number to be >=0 (spec.desiredCount)",
    ]);
  });

  it("rejects two Meshes, duplicate names, and a set without a Mesh", () => {
    const twice = load(
      MESH,
      MESH,
      service("api", "image: a\nmemory: 6"),
      service("api", "image: b\nmemory: 6"),
    );
    expect(lines(twice)).toEqual([
      "m1.yaml:2:7: error: a second Mesh; a manifest set has at most one (the first is at m0.yaml:4) (kind)",
      'm1.yaml:4:9: error: duplicate Mesh name "demo" (first defined at m0.yaml:4) (metadata.name)',
      'm3.yaml:4:9: error: duplicate Service name "api" (first defined at m2.yaml:4) (metadata.name)',
    ]);
    expect(lines(load(service("api", "image: a\nmemory: 6")))).toEqual([
      ".: error: no Mesh manifest: a manifest set needs exactly one kind: Mesh",
    ]);
  });

  it("finds port clashes inside a task and with the node-local linkerd", () => {
    const result = load(
      MESH,
      service(
        "api",
        `image: a
memory: 64
ports:
  - {containerPort: 80, hostPort: 8080}
  - {containerPort: 80}
  - {containerPort: 81, hostPort: 8080}
  - {containerPort: 82, hostPort: 9990}`,
      ),
    );
    expect(lines(result)).toEqual([
      "m1.yaml:10:23: error: 80/tcp is already mapped by ports[0] (spec.ports[1].containerPort)",
      "m1.yaml:11:37: error: host port 8080/tcp is already taken by ports[0] (spec.ports[2].hostPort)",
      "m1.yaml:12:37: error: host port 9990 clashes with the node-local linkerd's admin port (spec.ports[3].hostPort)",
    ]);
  });

  it("checks Fargate and awsvpc rules against the Mesh defaults", () => {
    const result = load(
      MESH,
      service("api", "image: a\nmemory: 3000\ncpu: 512\nlaunchType: FARGATE\nmesh: {outbound: true}"),
    );
    expect(lines(result)).toEqual([
      "m1.yaml:6:3: error: awsvpc needs network.subnets here or in the Mesh's ecs.defaults.network (spec.network)",
      "m1.yaml:7:11: error: 3000 MiB is not a valid Fargate memory size for 512 CPU units (spec.memory)",
      "m1.yaml:10:20: error: Fargate has no node-local linkerd to route through; turn mesh.outbound off (spec.mesh.outbound)",
    ]);
  });

  it("keeps Monitoring's delivery.directory inside the controller's workdir", () => {
    const monitoring = (directory: string) => `apiVersion: ecsmesh.io/v1alpha1
kind: Monitoring
metadata:
  name: monitoring
spec:
  delivery:
    directory: ${directory}
`;
    expect(lines(load(MESH, monitoring("../../x")))).toEqual([
      'm1.yaml:7:16: error: must stay inside the controller\'s --workdir: ".." leads out of it (spec.delivery.directory)',
    ]);
    expect(lines(load(MESH, monitoring("/tmp/x")))).toEqual([
      "m1.yaml:7:16: error: must be a path relative to the controller's --workdir, not an absolute one (spec.delivery.directory)",
    ]);
    expect(lines(load(MESH, monitoring("out/../../../../tmp/x")))).toHaveLength(1);
    for (const inside of ["monitoring", "./out/prometheus", "out/../prometheus", "..prometheus"]) {
      expect(load(MESH, monitoring(inside)).ok, inside).toBe(true);
    }
  });

  it("keeps the controller's own roles to the controller's Service", () => {
    const controller = `apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata:
  name: ecsmesh-controller
  labels: { ecsmesh.io/component: controller }
spec:
  image: ecsmesh:1
  memory: 512
  taskRoleArn: arn:aws:iam::123456789012:role/ecsmesh-controller
  executionRoleArn: arn:aws:iam::123456789012:role/ecsmesh-controller-execution
`;
    const borrower = service(
      "api",
      `image: api:1
memory: 256
taskRoleArn: arn:aws:iam::123456789012:role/ecsmesh-controller
executionRoleArn: arn:aws:iam::123456789012:role/ecsmesh-controller-execution`,
    );
    expect(lines(load(MESH, controller, borrower))).toEqual([
      "m2.yaml:8:16: error: arn:aws:iam::123456789012:role/ecsmesh-controller is the controller's task role (ecsmesh-controller); only the controller's own Service may run with it (spec.taskRoleArn)",
      "m2.yaml:9:21: error: arn:aws:iam::123456789012:role/ecsmesh-controller-execution is the controller's execution role (ecsmesh-controller); only the controller's own Service may run with it (spec.executionRoleArn)",
    ]);
    // A Mesh default every other Service would inherit, and a second Service claiming to be the controller.
    const sharedDefault = MESH.replace(
      "    region: us-east-1\n",
      "    region: us-east-1\n    defaults: { executionRoleArn: arn:aws:iam::123456789012:role/ecsmesh-controller-execution }\n",
    );
    const impostor = service("impostor", "image: x:1\nmemory: 64").replace(
      "  name: impostor\n",
      "  name: impostor\n  labels: { ecsmesh.io/component: controller }\n",
    );
    expect(lines(load(sharedDefault, controller, impostor))).toEqual([
      "m0.yaml:9:35: error: arn:aws:iam::123456789012:role/ecsmesh-controller-execution is the controller's execution role (ecsmesh-controller); as a Mesh default every Service without its own would run with it (spec.ecs.defaults.executionRoleArn)",
      'm2.yaml:5:35: error: a second Service labelled ecsmesh.io/component: controller; only the controller\'s own Service carries it (the first is ecsmesh-controller at m1.yaml:4) (metadata.labels["ecsmesh.io/component"])',
    ]);
    expect(load(MESH, controller).ok).toBe(true);
  });

  it("checks references, weights, namespaces and dtab text in Routes", () => {
    const route = `apiVersion: ecsmesh.io/v1alpha1
kind: Route
metadata:
  name: canary
spec:
  rules:
    - match: /svc/api
      to:
        - {service: api-v2, weight: 0}
        - {service: api, weight: 0}
---
apiVersion: ecsmesh.io/v1alpha1
kind: Route
metadata:
  name: elsewhere
spec:
  namespace: other
  dtab: /svc/x => /svc/y
---
apiVersion: ecsmesh.io/v1alpha1
kind: Route
metadata:
  name: raw
spec:
  dtab: |
    /svc/x => /svc/y;
    /svc/z => 1 * ;
`;
    const result = load(MESH, service("api", "image: a\nmemory: 64\nports: [{containerPort: 80}]"), route);
    expect(lines(result)).toEqual([
      "m2.yaml:9:9: error: the weights in to sum to 0: no traffic could flow (spec.rules[0].to)",
      'm2.yaml:9:21: error: unknown service "api-v2" (Services: api) (spec.rules[0].to[0].service)',
      'm2.yaml:10:21: error: service "api" has no discovery.consul, so linkerd cannot reach it (spec.rules[0].to[1].service)',
      'm2.yaml:17:14: error: unknown dtab namespace "other"; the Mesh\'s routers read "default" (spec.namespace)',
      "m2.yaml:27:19: error: invalid dtab: expected a path, '(', '!', '~' or '$', found ';' (spec.dtab)",
    ]);
  });

  it("rejects a Route whose rules send a path back to itself", () => {
    const route = `apiVersion: ecsmesh.io/v1alpha1
kind: Route
metadata:
  name: loop
spec:
  dtab: |
    /svc/a => /svc/b;
    /svc/b => /svc/a;
`;
    const messages = lines(load(MESH, route));
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^m1\.yaml:7:5: error: \/svc\/a does not resolve: .*\(spec\.dtab\)$/);
  });

  it("refuses YAML alias bombs and syntax errors", () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
`;
    const result = load(MESH, bomb, "kind: Mesh\nmetadata: {name: x\n");
    const found = lines(result);
    expect(found[0]).toBe(
      "m1.yaml:1:1: error: YAML aliases expand too much (more than 100 expansions): refusing a possible alias bomb",
    );
    expect(found[1]).toMatch(/^m2\.yaml:\d+:\d+: error: YAML: /);
  });

  it("reports a directory it cannot read instead of throwing", async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), "ecsmesh-")), "missing");
    expect(lines(await loadManifestDir(dir))).toEqual([
      `${dir}: error: cannot read the manifest directory: ENOENT: no such file or directory, scandir '${dir}'`,
    ]);
  });

  it("refuses files over the size cap without reading them as YAML", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecsmesh-"));
    await writeFile(path.join(dir, "mesh.yaml"), MESH);
    await writeFile(path.join(dir, "big.yaml"), `# ${"x".repeat(2_000)}\n`);
    const result = await loadManifestDir(dir, { maxFileBytes: 1_000, maxFiles: 10 });
    expect(lines(result)).toEqual([
      `${path.join(dir, "big.yaml")}: error: file is 2003 bytes, over the 1000-byte limit`,
    ]);
  });
});

describe("a directory with a dozen mixed mistakes", () => {
  it("reports every one with file:line:col and nothing else", async () => {
    const result = await loadManifestDir("test/fixtures/mixed-mistakes");
    expect(lines(result)).toMatchInlineSnapshot(`
      [
        "test/fixtures/mixed-mistakes/bad-syntax.yml:5:3: error: YAML: Map keys must be unique",
        "test/fixtures/mixed-mistakes/bad-syntax.yml:7:1: error: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
        "test/fixtures/mixed-mistakes/bomb.yaml:1:1: error: YAML aliases expand too much (more than 100 expansions): refusing a possible alias bomb",
        "test/fixtures/mixed-mistakes/mesh.yaml:11:5: error: field "token" is not allowed: the Consul token is read from CONSUL_HTTP_TOKEN only, never from manifests (spec.consul.token)",
        "test/fixtures/mixed-mistakes/mesh.yaml:15:14: error: invalid dtab: expected a path, '(', '!', '~' or '$', found '>' (spec.linkerd.baseDtab)",
        "test/fixtures/mixed-mistakes/mesh.yaml:18:7: error: a second Mesh; a manifest set has at most one (the first is at test/fixtures/mixed-mistakes/mesh.yaml:4) (kind)",
        "test/fixtures/mixed-mistakes/routes.yaml:9:9: error: the weights in to sum to 0: no traffic could flow (spec.rules[0].to)",
        "test/fixtures/mixed-mistakes/routes.yaml:9:22: error: unknown service "api-v2" (Services: api, oops, web) (spec.rules[0].to[0].service)",
        "test/fixtures/mixed-mistakes/routes.yaml:20:19: error: invalid dtab: expected a path, '(', '!', '~' or '$', found ';' (spec.dtab)",
        "test/fixtures/mixed-mistakes/services.yaml:8:3: error: unknown field "replicas" (spec.replicas)",
        "test/fixtures/mixed-mistakes/services.yaml:13:18: error: a secret must be {valueFrom: <SSM or Secrets Manager ARN>}; plain-text values are not allowed here (use env for non-secret values) (spec.secrets.DB_PASSWORD)",
        "test/fixtures/mixed-mistakes/services.yaml:18:9: error: duplicate Service name "api" (first defined at test/fixtures/mixed-mistakes/services.yaml:4) (metadata.name)",
        "test/fixtures/mixed-mistakes/services.yaml:21:11: error: expected number, got a string (spec.memory)",
        "test/fixtures/mixed-mistakes/services.yaml:22:17: error: too small: expected number to be >=0 (spec.desiredCount)",
        "test/fixtures/mixed-mistakes/services.yaml:33:24: error: 80/tcp is already mapped by ports[0] (spec.ports[1].containerPort)",
        "test/fixtures/mixed-mistakes/services.yaml:33:34: error: port name "http" is already used by ports[0] (spec.ports[1].name)",
        "test/fixtures/mixed-mistakes/unknown-kind.yaml:2:7: error: unknown kind "Servce"; expected one of Mesh, Service, Route, Monitoring (did you mean Service?) (kind)",
      ]
    `);
  });
});

describe("careless but meant inputs", () => {
  it("merges YAML merge keys (<<) instead of calling them unknown fields", () => {
    const text = `${service("api", "image: api:1\n<<: {memory: 256, cpu: 256}")}`.replace(
      "  name: api\n",
      "  name: api\n  labels: &team {team: payments}\n  annotations: {<<: *team, owner: ops}\n",
    );
    const result = load(MESH, text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const loaded = result.set.services[0]?.manifest;
    expect(loaded?.spec.memory).toBe(256);
    expect(loaded?.metadata.annotations).toEqual({ team: "payments", owner: "ops" });
  });

  it("turns scalars in env and logging options into the text they were written as", () => {
    const spec =
      "image: api:1\nmemory: 128\nenv: {PORT: 8080, DEBUG: true, RATIO: 0.5}\nlogging: {driver: awslogs, options: {awslogs-create-group: true}}";
    const result = load(MESH, service("api", spec));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const loaded = result.set.services[0]?.manifest.spec;
    expect(loaded?.env).toEqual({ PORT: "8080", DEBUG: "true", RATIO: "0.5" });
    expect(loaded?.logging?.options).toEqual({ "awslogs-create-group": "true" });
  });

  it("warns about files that look like manifests but are not read, and keeps quiet about others", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecsmesh-"));
    await writeFile(path.join(dir, "mesh.yaml"), MESH);
    for (const name of ["mesh.yaml~", "mesh.yaml.bak", "api.json", "README.md"]) {
      await writeFile(path.join(dir, name), "kind: Service\n");
    }
    const result = await loadManifestDir(dir);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings.map((d) => `${path.basename(d.file)}: ${d.message}`)).toEqual([
      "api.json: skipped: only files ending in .yaml or .yml are read",
      "mesh.yaml.bak: skipped: only files ending in .yaml or .yml are read",
      "mesh.yaml~: skipped: only files ending in .yaml or .yml are read",
    ]);
  });
});
