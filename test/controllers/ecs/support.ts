import type { Service } from "@aws-sdk/client-ecs";
import { type DesiredService, renderService } from "../../../src/compile/ecs/render.js";
import { loadManifests } from "../../../src/compile/load.js";
import type { EcsPlanOptions } from "../../../src/controllers/ecs/plan.js";
import { emptyInventory, type Inventory } from "../../../src/inventory/inventory.js";
import type { ManifestSet } from "../../../src/specs/manifest-set.js";

export const MESH_YAML = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata:
  name: demo
spec:
  ecs: { cluster: demo, region: us-east-1, keepRevisions: 3 }
  linkerd: { daemon: { enabled: false } }
`;

/** A Service manifest with a few lines of spec, indented for the document. */
export function serviceYaml(name: string, spec: string): string {
  const body = spec
    .trim()
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
  return `apiVersion: ecsmesh.io/v1alpha1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${body}\n`;
}

export function loadSet(...documents: string[]): ManifestSet {
  const result = loadManifests(documents.map((text, i) => ({ file: `m${i}.yaml`, text })));
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.set;
}

export function desiredOf(set: ManifestSet): DesiredService[] {
  return set.services.map((s) => renderService(set.mesh.manifest, s.manifest));
}

export const OPTIONS: EcsPlanOptions = {
  cluster: "demo",
  owner: "demo",
  keepRevisions: 3,
  prune: { enabled: true, maxDeletePercent: 50 },
  allowMassPrune: false,
  adopt: false,
};

export const OUR_TAGS = [
  { key: "ecsmesh:owner", value: "demo" },
  { key: "ecsmesh:mesh", value: "demo" },
];

/** A live ECS service as DescribeServices returns it, rolled out and steady. */
export function liveService(name: string, taskDefinition: string, extra: Partial<Service> = {}): Service {
  return {
    serviceName: name,
    serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/demo/${name}`,
    status: "ACTIVE",
    taskDefinition,
    desiredCount: 2,
    runningCount: 2,
    launchType: "EC2",
    schedulingStrategy: "REPLICA",
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
    deployments: [
      { status: "PRIMARY", taskDefinition, desiredCount: 2, runningCount: 2, rolloutState: "COMPLETED" },
    ],
    tags: OUR_TAGS,
    ...extra,
  };
}

export function arn(family: string, revision: number): string {
  return `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revision}`;
}

/** An inventory that records `names` as ours, each with revisions registered from `fingerprints`. */
export function inventoryWith(
  entries: Record<string, { revisions: { arn: string; fingerprint: string }[] }>,
): Inventory {
  let inventory = emptyInventory("demo", "demo");
  for (const [name, entry] of Object.entries(entries)) {
    inventory = {
      ...inventory,
      services: {
        ...inventory.services,
        [name]: {
          arn: `arn:aws:ecs:us-east-1:123456789012:service/demo/${name}`,
          family: `demo-${name}`,
          revisions: entry.revisions,
        },
      },
    };
  }
  return inventory;
}
