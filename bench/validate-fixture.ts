// A large valid manifest set for `ecsmesh validate`: shared by bench/validate.mts (the figure) and
// test/compile/validate-scale.test.ts (the same set under a generous bound).
import { writeFile } from "node:fs/promises";
import path from "node:path";

export interface ValidateFixture {
  readonly services: number;
  /** Dentries in the Mesh's base dtab: chains of ten (`/svc/xN => /svc/xN+1`), each ending in Consul. */
  readonly dentries: number;
  /** Canary Routes, each splitting one Service's traffic with the next. */
  readonly routes: number;
}

export const AT_SCALE: ValidateFixture = { services: 3_000, dentries: 10_000, routes: 300 };

const CHAIN = 10;

export async function writeValidateFixture(dir: string, size: ValidateFixture): Promise<void> {
  const dentries = Array.from({ length: size.dentries }, (_, i) =>
    (i + 1) % CHAIN === 0 ? `/svc/x${i} => /#/io.l5d.consul/dc1/x${i};` : `/svc/x${i} => /svc/x${i + 1};`,
  );
  const name = (i: number) => `svc-${String(i).padStart(5, "0")}`;
  const services = Array.from(
    { length: size.services },
    (_, i) => `apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata: { name: ${name(i)} }
spec:
  image: example/app:1
  memory: 128
  ports: [{ containerPort: 8080 }]
  discovery: { consul: {} }
`,
  );
  const routes = Array.from(
    { length: size.routes },
    (_, i) => `apiVersion: ecsmesh.io/v1alpha1
kind: Route
metadata: { name: canary-${i} }
spec:
  rules:
    - match: /svc/${name(i)}
      to: [{ service: ${name(i)}, weight: 9 }, { service: ${name(i + 1)}, weight: 1 }]
      fallback: [{ path: /svc/x${i * CHAIN} }]
`,
  );
  await Promise.all([
    writeFile(
      path.join(dir, "mesh.yaml"),
      `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: { name: scale }
spec:
  ecs: { cluster: scale, region: us-east-1 }
  consul: { address: http://127.0.0.1:8500, datacenter: dc1 }
  linkerd:
    baseDtab: |
      /svc => /#/io.l5d.consul/dc1;
${dentries.map((dentry) => `      ${dentry}`).join("\n")}
`,
    ),
    writeFile(path.join(dir, "services.yaml"), services.join("---\n")),
    writeFile(path.join(dir, "routes.yaml"), routes.join("---\n")),
  ]);
}
