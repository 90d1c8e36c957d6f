import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { jsonSchemas } from "../specs/json-schema.js";
import { type CliIO, EXIT } from "./io.js";

/** `ecsmesh schemas --write DIR` writes the JSON Schemas; `--check DIR` fails when they are out of date. */
export async function schemasCommand(
  options: { dir: string; mode: "write" | "check" },
  io: CliIO,
): Promise<number> {
  const stale: string[] = [];
  if (options.mode === "write") await mkdir(options.dir, { recursive: true });
  for (const [file, schema] of Object.entries(jsonSchemas())) {
    const target = path.join(options.dir, file);
    const text = `${JSON.stringify(schema, null, 2)}\n`;
    if (options.mode === "write") {
      await writeFile(target, text);
      io.out(`wrote ${target}\n`);
    } else if ((await readFile(target, "utf8").catch(() => "")) !== text) {
      stale.push(target);
    }
  }
  if (stale.length === 0) return EXIT.ok;
  io.err(`out of date: ${stale.join(", ")}\nrun: npm run schemas\n`);
  return EXIT.invalid;
}
