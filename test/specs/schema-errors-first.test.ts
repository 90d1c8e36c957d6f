import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type Document, isMap, isSeq, parseAllDocuments } from "yaml";
import type { CliIO } from "../../src/cli/io.js";
import { validateCommand } from "../../src/cli/validate.js";
import { loadManifestDir, loadManifests } from "../../src/compile/load.js";
import {
  type Diagnostic,
  type FieldPath,
  formatDiagnostic,
  formatFieldPath,
} from "../../src/specs/diagnostic.js";
import type { ManifestFile } from "../../src/specs/loader.js";
import { checkSafely, parseYamlFile } from "../../src/specs/yaml-source.js";

const FIXTURE = "test/fixtures/route-to-invalid-services";

/** The fixture's complete report: the Services' own errors, nothing about the Route that uses them. */
const EXPECTED = [
  {
    severity: "error",
    file: `${FIXTURE}/services.yaml`,
    line: 10,
    column: 3,
    path: "spec.replicas",
    message: 'unknown field "replicas"',
  },
  {
    severity: "error",
    file: `${FIXTURE}/services.yaml`,
    line: 21,
    column: 3,
    path: "spec.image",
    message: "required field is missing (expected string)",
  },
  {
    severity: "error",
    file: `${FIXTURE}/services.yaml`,
    line: 21,
    column: 3,
    path: "spec.imagee",
    message: 'unknown field "imagee" (did you mean "image"?)',
  },
] satisfies Diagnostic[];

async function validate(output: "text" | "json") {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { out: (t) => (stdout += t), err: (t) => (stderr += t), color: false };
  const code = await validateCommand({ dir: FIXTURE, output }, io);
  return { code, stdout, stderr };
}

describe("schema errors in Services a Route sends traffic to", () => {
  it("are each reported at their field, and the Route is not blamed for them", async () => {
    const result = await loadManifestDir(FIXTURE);
    expect(result.ok ? result.warnings : result.diagnostics).toEqual(EXPECTED);
  });

  it("appear in validate's text output as file:line:col", async () => {
    const { code, stdout, stderr } = await validate("text");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      [
        `${FIXTURE}/services.yaml:10:3: error: unknown field "replicas" (spec.replicas)`,
        `${FIXTURE}/services.yaml:21:3: error: required field is missing (expected string) (spec.image)`,
        `${FIXTURE}/services.yaml:21:3: error: unknown field "imagee" (did you mean "image"?) (spec.imagee)`,
        `${FIXTURE}: 3 error(s); nothing is applied from an invalid set`,
        "",
      ].join("\n"),
    );
  });

  it("appear in validate's JSON output with file, line, column and path", async () => {
    const { code, stdout } = await validate("json");
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({ valid: false, summary: "invalid", diagnostics: EXPECTED });
  });
});

/** Mappings whose keys are user data (env names, labels...), where any key is allowed. */
const FREE_FORM = new Set(["env", "secrets", "labels", "annotations", "options"]);

/** Every mapping in a document whose keys the schema fixes, by field path. */
function strictMappings(document: Document): FieldPath[] {
  const found: FieldPath[] = [];
  const walk = (node: unknown, at: FieldPath) => {
    if (isMap(node)) {
      if (!FREE_FORM.has(String(at.at(-1)))) found.push(at);
      for (const pair of node.items)
        walk(pair.value, [...at, String((pair.key as { value: unknown }).value)]);
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...at, i]);
    }
  };
  walk(document.contents, []);
  return found;
}

interface Injection {
  readonly name: string;
  readonly files: ManifestFile[];
  readonly at: FieldPath;
}

/** One copy of the example per Service and mapping in it, with an unknown field added there. */
async function injections(dir: string, field: string): Promise<Injection[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".yaml")).sort();
  const files = await Promise.all(
    names.map(async (name) => ({
      file: path.join(dir, name),
      text: await readFile(path.join(dir, name), "utf8"),
    })),
  );
  return files.flatMap(({ file, text }, fileIndex) => {
    const documents = parseAllDocuments(text) as Document[];
    return documents.flatMap((document, documentIndex) => {
      if (document.get("kind") !== "Service") return [];
      return strictMappings(document).map((at) => {
        const changed = document.clone();
        changed.setIn([...at, field], 2);
        const changedText = documents.map((d, i) => String(i === documentIndex ? changed : d)).join("");
        const changedFiles = files.with(fileIndex, { file, text: changedText });
        return {
          name: `${file} ${document.getIn(["metadata", "name"])} ${formatFieldPath(at) || "(top)"}`,
          files: changedFiles,
          at,
        };
      });
    });
  });
}

describe.each(["examples/hello-world", "examples/todo"])("an unknown field in any Service of %s", (dir) => {
  it("is reported at its key, by name, and never only as a cross-check error", async () => {
    const field = "replicas";
    const cases = await injections(dir, field);
    expect(cases.length).toBeGreaterThan(10);
    for (const { name, files, at } of cases) {
      const result = loadManifests(files);
      const diagnostics = result.ok ? [] : result.diagnostics;
      // The example is otherwise valid, so the unknown field is the one and only diagnostic.
      expect(diagnostics, name).toEqual([
        expect.objectContaining({
          path: formatFieldPath([...at, field]),
          message: `unknown field "${field}"`,
        }),
      ]);
      expect(diagnostics[0]?.line, name).toBeGreaterThan(0);
    }
  });
});

describe("documents with YAML syntax errors", () => {
  it("are not reported as missing by the Route that uses them, nor as no Mesh at all", () => {
    const result = loadManifests([
      { file: "mesh.yaml", text: "kind: Mesh\nmetadata: { name: shop }\nspec: [oops\n" },
      { file: "payments.yaml", text: "kind: Service\nmetadata:\n  name: payments\nspec: [oops\n" },
      { file: "routes.yaml", text: readFileSync(`${FIXTURE}/routes.yaml`, "utf8") },
    ]);
    // payments-v2 is not in this set at all: that reference is still an error, and says payments is known.
    expect((result.ok ? [] : result.diagnostics).map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^mesh\.yaml:\d+:\d+: error: YAML: /),
      expect.stringMatching(/^payments\.yaml:\d+:\d+: error: YAML: /),
      'routes.yaml:10:22: error: unknown service "payments-v2" (Services: payments) (spec.rules[0].to[1].service)',
    ]);
  });
});

describe("a set whose first Mesh is invalid and second valid", () => {
  it("does not check the Services against the second Mesh", () => {
    const meshes = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: { name: first }
spec:
  ecs: { cluster: first, region: us-east-1 }
  replicas: 2
---
apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: { name: second }
spec:
  ecs: { cluster: second, region: us-east-1, defaults: { launchType: FARGATE } }
`;
    const service = `apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata: { name: api }
spec: { image: api:1, memory: 256 }
`;
    const result = loadManifests([
      { file: "mesh.yaml", text: meshes },
      { file: "api.yaml", text: service },
    ]);
    // Not "Fargate needs cpu..." nor "awsvpc needs network...": api is not in the second Mesh.
    expect((result.ok ? [] : result.diagnostics).map(formatDiagnostic)).toEqual([
      'mesh.yaml:6:3: error: unknown field "replicas" (spec.replicas)',
      "mesh.yaml:9:7: error: a second Mesh; a manifest set has at most one (the first is at mesh.yaml:3) (kind)",
    ]);
  });
});

describe("a check that throws", () => {
  it("becomes an error at the field it was checking instead of ending the report", () => {
    const [source] = parseYamlFile("m.yaml", "kind: Route\nspec:\n  dtab: /svc => /x\n").documents;
    if (!source) throw new Error("expected a document");
    const found = checkSafely(source, ["spec", "dtab"], () => {
      throw new Error("boom");
    });
    expect(found.map(formatDiagnostic)).toEqual([
      "m.yaml:3:9: error: could not be checked (a bug in ecsmesh, please report it): boom (spec.dtab)",
    ]);
  });
});
