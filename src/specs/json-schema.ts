import { z } from "zod";
import { API_VERSION } from "./common.js";
import { KINDS } from "./kinds.js";

const SCHEMA_BASE = "https://ecsmesh.io/schemas";

/**
 * JSON Schemas (draft 2020-12) for editors, one per kind plus one that accepts any kind;
 * generated from the zod schemas so the two cannot drift (a test compares them with schemas/).
 */
export function jsonSchemas(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  const refs: { $ref: string }[] = [];
  for (const [kind, schema] of Object.entries(KINDS)) {
    const file = `${kind.toLowerCase()}.schema.json`;
    files[file] = {
      ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }),
      $id: `${SCHEMA_BASE}/${file}`,
      title: `${kind} (${API_VERSION})`,
    };
    refs.push({ $ref: file });
  }
  files["manifest.schema.json"] = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${SCHEMA_BASE}/manifest.schema.json`,
    title: `ecs-mesh-controller manifest (${API_VERSION})`,
    anyOf: refs,
  };
  return files;
}
