import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "../../src/compile/load.js";
import { controllerPolicy, type IamPolicy } from "../../src/controllers/iam-policy.js";
import type { ManifestFile } from "../../src/specs/loader.js";
import type { ManifestSet } from "../../src/specs/manifest-set.js";
import { effectiveSettings } from "../../src/specs/resolve.js";
import { ScopedToken } from "../../src/util/endpoint-trust.js";

const CONTROLLER_DIR = "manifests/controller";
const POLICY_FILE = path.join(CONTROLLER_DIR, "iam-policy.json");

async function yamlFiles(dir: string): Promise<ManifestFile[]> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => ({
      file: path.join(dir, name),
      text: await readFile(path.join(dir, name), "utf8"),
    })),
  );
}

function loaded(files: readonly ManifestFile[]): ManifestSet {
  const result = loadManifests(files);
  if (!result.ok)
    throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join("\n"));
  return result.set;
}

/** The set iam-policy.json is derived from: the workshop's mesh with the controller added. */
async function helloWorldWithController(): Promise<ManifestSet> {
  return loaded([...(await yamlFiles("examples/hello-world")), ...(await yamlFiles(CONTROLLER_DIR))]);
}

describe("manifests/controller/controller.yaml", () => {
  it("is valid next to the hello-world Mesh, alone and with the whole mesh", async () => {
    const mesh = {
      file: "examples/hello-world/mesh.yaml",
      text: await readFile("examples/hello-world/mesh.yaml", "utf8"),
    };
    const result = loadManifests([...(await yamlFiles(CONTROLLER_DIR)), mesh]);
    expect(result.ok && result.warnings).toEqual([]);
    expect((await helloWorldWithController()).services.map((s) => s.manifest.metadata.name)).toContain(
      "ecsmesh-controller",
    );
  });

  it("runs two replicas of the image against a git source, with health, metrics and secrets by reference", async () => {
    const set = await helloWorldWithController();
    const controller = set.services.find((s) => s.manifest.metadata.name === "ecsmesh-controller")?.manifest;
    if (!controller) throw new Error("no ecsmesh-controller Service");
    const spec = controller.spec;
    expect(spec.command?.slice(0, 2)).toEqual(["run", "--source"]);
    expect(spec.command).toEqual(expect.arrayContaining(["--ref", "--path"]));
    expect(spec.desiredCount).toBe(2);
    expect(spec.ports).toEqual([{ containerPort: 8080, name: "http", protocol: "tcp" }]);
    expect(spec.metrics).toEqual({ port: "http", path: "/metrics" });
    expect(spec.healthCheck?.command.slice(0, 2)).toEqual(["CMD", "node"]);
    expect(spec.healthCheck?.command.join(" ")).toContain("http://127.0.0.1:8080/healthz");
    expect(Object.keys(spec.env)).toContain("CONSUL_HTTP_ADDR");
    expect(Object.keys(spec.secrets).sort()).toEqual([
      "CONSUL_HTTP_TOKEN",
      "ECSMESH_GIT_TOKEN",
      "ECSMESH_WEBHOOK_SECRET",
    ]);
    expect(spec.taskRoleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(spec.executionRoleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(spec.logging?.driver).toBe("awslogs");
    // Host networking puts the node's Consul agent on loopback, the only place a token may go in
    // clear text: the controller's own rules accept the address it is given.
    expect(effectiveSettings(controller, set.mesh.manifest).networkMode).toBe("host");
    const consulToken = new ScopedToken("CONSUL_HTTP_TOKEN", "t", {
      endpointVariable: "CONSUL_HTTP_ADDR",
      endpoint: spec.env.CONSUL_HTTP_ADDR,
      allowList: [],
    });
    expect(consulToken.valueFor(new URL(`${spec.env.CONSUL_HTTP_ADDR}/v1/txn`))).toBe("t");
  });
});

/** IAM prefixes of the SDK clients the controllers use. */
const SDK_PREFIX: Record<string, string> = {
  "@aws-sdk/client-ecs": "ecs",
  "@aws-sdk/client-ec2": "ec2",
  "@aws-sdk/client-servicediscovery": "servicediscovery",
};

/** Every `new XxxCommand(` under src/controllers, as the IAM action it needs (`ecs:CreateService`). */
async function actionsTheCodeCalls(): Promise<Set<string>> {
  const actions = new Set<string>();
  const files = (await readdir("src/controllers", { recursive: true })).filter((f) => f.endsWith(".ts"));
  for (const file of files) {
    const text = await readFile(path.join("src/controllers", file), "utf8");
    const packageOf = new Map<string, string>();
    for (const [, names = "", from = ""] of text.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"([^"]+)"/g,
    )) {
      for (const name of names.split(",")) packageOf.set(name.replace(/^\s*type\s+/, "").trim(), from);
    }
    for (const [, command = ""] of text.matchAll(/new (\w+)Command\(/g)) {
      const prefix = SDK_PREFIX[packageOf.get(`${command}Command`) ?? ""];
      if (!prefix)
        throw new Error(`${file}: ${command}Command comes from an SDK client this test does not know`);
      actions.add(`${prefix}:${command}`);
    }
  }
  return actions;
}

/** Permissions the calls need besides their own action (tag-on-create, role passing, Cloud Map's DNS zone). */
const DEPENDENT_ACTIONS = new Set([
  "ecs:TagResource",
  "servicediscovery:TagResource",
  "iam:PassRole",
  "ec2:DescribeRegions",
  "ec2:DescribeVpcs",
  "route53:CreateHostedZone",
  "route53:GetHostedZone",
  "route53:ListHostedZonesByName",
]);

function allowed(policy: IamPolicy): Set<string> {
  return new Set(policy.Statement.flatMap((s) => s.Action));
}

/** The hello-world Mesh with Cloud Map discovery of one Service, for the calls only Cloud Map makes. */
function cloudMapSet(type: "HTTP" | "DNS_PRIVATE"): ManifestSet {
  return loaded([
    {
      file: "cloudmap.yaml",
      text: `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: { name: l5d-demo }
spec:
  ecs: { cluster: l5d-demo, region: us-east-1 }
  cloudMap: { namespace: mesh.local, type: ${type}, vpc: vpc-0123456789abcdef0 }
---
apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata: { name: app }
spec:
  image: example/app:1
  memory: 64
  ports: [{ containerPort: 8080 }]
  discovery: { cloudMap: {} }
`,
    },
  ]);
}

describe("manifests/controller/iam-policy.json", () => {
  it("is what controllerPolicy derives for examples/hello-world with the controller", async () => {
    const committed = JSON.parse(await readFile(POLICY_FILE, "utf8")) as unknown;
    // On a deliberate change, rewrite the file with JSON.stringify(controllerPolicy(set), null, 2) and format it.
    expect(committed).toEqual(controllerPolicy(await helloWorldWithController()));
  });

  it("allows every AWS call the controllers make, and nothing they do not", async () => {
    const calls = await actionsTheCodeCalls();
    expect(calls.size).toBeGreaterThanOrEqual(17);
    const committed = allowed(JSON.parse(await readFile(POLICY_FILE, "utf8")) as IamPolicy);
    const http = allowed(controllerPolicy(cloudMapSet("HTTP")));
    const dns = allowed(controllerPolicy(cloudMapSet("DNS_PRIVATE")));
    for (const action of calls) {
      // ECS and EC2 are called on every pass; Cloud Map only for a Mesh that uses it, by namespace type.
      if (!action.startsWith("servicediscovery:")) expect(committed, action).toContain(action);
      else if (action === "servicediscovery:CreateHttpNamespace") expect(http, action).toContain(action);
      else if (action === "servicediscovery:CreatePrivateDnsNamespace") expect(dns, action).toContain(action);
      else expect([http.has(action), dns.has(action)], action).toEqual([true, true]);
    }
    for (const policy of [committed, http, dns]) {
      const extra = [...policy].filter((action) => !calls.has(action) && !DEPENDENT_ACTIONS.has(action));
      expect(extra).toEqual([]);
    }
    expect(committed.has("servicediscovery:ListNamespaces")).toBe(false);
  });
});

/** IAM's ARN wildcards: `*` any run of characters, `?` any one. */
function arnMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${regex}$`).test(arn);
}

function resourcesFor(policy: IamPolicy, action: string): string[] {
  return policy.Statement.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);
}

describe("the derived policy's scoping", () => {
  const taskDefinition = (family: string) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:7`;

  it("registers and tags only the mesh's own task-definition families, not another mesh's sharing its prefix", async () => {
    const policy = controllerPolicy(await helloWorldWithController());
    for (const action of ["ecs:RegisterTaskDefinition", "ecs:TagResource"]) {
      const resources = resourcesFor(policy, action);
      const allows = (arn: string) => resources.some((pattern) => arnMatches(pattern, arn));
      for (const family of [
        "l5d-demo-hello",
        "l5d-demo-world",
        "l5d-demo-linkerd",
        "l5d-demo-ecsmesh-controller",
      ]) {
        expect(allows(taskDefinition(family)), `${action} ${family}`).toBe(true);
      }
      // A mesh named l5d-demo-x runs its Service "hello" as l5d-demo-x-hello.
      for (const family of ["l5d-demo-x-hello", "l5d-demo-", "other-hello"]) {
        expect(allows(taskDefinition(family)), `${action} ${family}`).toBe(false);
      }
    }
  });

  it("leaves on '*' only what IAM cannot narrow: listing, describing and deregistering task definitions", async () => {
    const policy = controllerPolicy(await helloWorldWithController());
    const unscopedEcs = policy.Statement.filter((s) => s.Resource === "*" && !s.Condition).flatMap((s) =>
      s.Action.filter((action) => action.startsWith("ecs:")),
    );
    // The Service Authorization Reference lists no resource type or condition key for these three.
    expect(unscopedEcs.sort()).toEqual([
      "ecs:DeregisterTaskDefinition",
      "ecs:DescribeTaskDefinition",
      "ecs:ListTaskDefinitions",
    ]);
  });

  it("passes the controller's roles for its own Service, and no other Service's roles include them", async () => {
    const set = await helloWorldWithController();
    const withService = loaded([
      ...(await yamlFiles("examples/hello-world")),
      ...(await yamlFiles(CONTROLLER_DIR)),
      {
        file: "api.yaml",
        text: `apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata: { name: api }
spec:
  image: api:1
  memory: 64
  taskRoleArn: arn:aws:iam::123456789012:role/api
  executionRoleArn: arn:aws:iam::123456789012:role/api-execution
`,
      },
    ]);
    const controllerRoleArns = [
      "arn:aws:iam::123456789012:role/ecsmesh-controller",
      "arn:aws:iam::123456789012:role/ecsmesh-controller-execution",
    ];
    for (const policy of [controllerPolicy(set), controllerPolicy(withService)]) {
      const own = policy.Statement.find((s) => s.Sid === "PassOwnRoles");
      expect(own?.Resource).toEqual(controllerRoleArns);
      const others = policy.Statement.find((s) => s.Sid === "PassServiceRoles")?.Resource ?? [];
      expect([others].flat().filter((arn) => controllerRoleArns.includes(arn))).toEqual([]);
    }
    expect(
      controllerPolicy(withService).Statement.find((s) => s.Sid === "PassServiceRoles")?.Resource,
    ).toEqual(["arn:aws:iam::123456789012:role/api", "arn:aws:iam::123456789012:role/api-execution"]);
  });
});
