import path from "node:path";
import { fileURLToPath } from "node:url";
import { explainCommand } from "./explain.js";
import { type CliIO, EXIT } from "./io.js";
import { validateCommand } from "./validate.js";

/** The package's own examples, found relative to this file in both src/ and dist/. */
export const HELLO_WORLD_DIR = path.relative(
  process.cwd(),
  fileURLToPath(new URL("../../examples/hello-world", import.meta.url)),
);

/** The embedded default for now: validate the hello-world mesh and show how its routes resolve. */
export async function startCommand(io: CliIO): Promise<number> {
  const valid = await validateCommand({ dir: HELLO_WORLD_DIR, output: "text" }, io);
  if (valid !== EXIT.ok) return valid;
  for (const [path, dtab] of [
    ["/svc/hello", undefined],
    ["/svc/world", undefined],
    ["/svc/world", "/svc/world => /svc/world-v2"],
  ] as const) {
    io.out(`\n$ ecsmesh explain examples/hello-world ${path}${dtab ? ` --dtab '${dtab}'` : ""}\n`);
    const code = await explainCommand(
      { dir: HELLO_WORLD_DIR, path, dtab, namespace: undefined, output: "text", consul: undefined },
      io,
    );
    if (code !== EXIT.ok) return code;
  }
  return EXIT.ok;
}
