import { parseArgs } from "node:util";
import { explainCommand } from "./explain.js";
import { type CliIO, EXIT, processIO, UsageError } from "./io.js";
import { schemasCommand } from "./schemas.js";
import { startCommand } from "./start.js";
import { validateCommand } from "./validate.js";

const USAGE = `ecsmesh: reconcile Amazon ECS service meshes from YAML manifests

Usage:
  ecsmesh validate DIR [--output text|json]
      Check every manifest under DIR; exit 1 with file:line:col errors if any is wrong.
  ecsmesh explain DIR PATH [--dtab DTAB] [--namespace NS] [--output text|json]
      Show how linkerd resolves PATH (e.g. /svc/world) with the mesh's dtab,
      optionally with an l5d-dtab header override, down to weighted destinations.
  ecsmesh schemas --write DIR | --check DIR
      Write (or verify) the JSON Schemas of the manifest kinds, for editors.
  ecsmesh start
      The embedded default: validate examples/hello-world and explain its routes.
  ecsmesh help
`;

function outputFormat(value: string | undefined): "text" | "json" {
  if (value === undefined || value === "text" || value === "json") return value ?? "text";
  throw new UsageError(`--output must be text or json, not ${value}`);
}

function positional(positionals: string[], index: number, what: string): string {
  const value = positionals[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}

export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o" },
        dtab: { type: "string" },
        namespace: { type: "string" },
        write: { type: "string" },
        check: { type: "string" },
      },
    });
    switch (command) {
      case "validate":
        return await validateCommand(
          { dir: positional(positionals, 0, "DIR"), output: outputFormat(values.output) },
          io,
        );
      case "explain":
        return await explainCommand(
          {
            dir: positional(positionals, 0, "DIR"),
            path: positional(positionals, 1, "PATH"),
            dtab: values.dtab,
            namespace: values.namespace,
            output: outputFormat(values.output),
          },
          io,
        );
      case "schemas": {
        const dir = values.write ?? values.check;
        if (dir === undefined || (values.write && values.check))
          throw new UsageError("give one of --write DIR or --check DIR");
        return await schemasCommand({ dir, mode: values.write ? "write" : "check" }, io);
      }
      case "start":
        return await startCommand(io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error)) {
      io.err(`ecsmesh: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw error;
  }
}
