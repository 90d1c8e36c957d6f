import { loadManifestDir } from "../compile/load.js";
import { type Diagnostic, formatDiagnostic } from "../specs/diagnostic.js";
import type { LoadResult } from "../specs/loader.js";
import { type CliIO, EXIT } from "./io.js";

export interface ValidateOptions {
  readonly dir: string;
  readonly output: "text" | "json";
}

export async function validateCommand(options: ValidateOptions, io: CliIO): Promise<number> {
  const result = await loadManifestDir(options.dir);
  const diagnostics: readonly Diagnostic[] = result.ok ? result.warnings : result.diagnostics;
  if (options.output === "json") {
    io.out(`${JSON.stringify({ valid: result.ok, summary: summarize(result), diagnostics }, null, 2)}\n`);
  } else {
    for (const d of diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    if (result.ok) io.out(`${options.dir}: valid (${summarize(result)})\n`);
    else
      io.err(
        `${options.dir}: ${countErrors(diagnostics)} error(s); nothing is applied from an invalid set\n`,
      );
  }
  return result.ok ? EXIT.ok : EXIT.invalid;
}

function countErrors(diagnostics: readonly Diagnostic[]): number {
  return diagnostics.filter((d) => d.severity === "error").length;
}

export function summarize(result: LoadResult): string {
  if (!result.ok) return "invalid";
  const { set } = result;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return [
    `Mesh ${set.mesh.manifest.metadata.name}`,
    plural(set.services.length, "Service"),
    plural(set.routes.length, "Route"),
    plural(set.monitoring ? 1 : 0, "Monitoring"),
  ].join(", ");
}
