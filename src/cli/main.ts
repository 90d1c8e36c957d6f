import { parseArgs } from "node:util";
import { z } from "zod";
import { errorMessage } from "../aws/errors.js";
import { parseDuration } from "../specs/duration.js";
import { explainCommand } from "./explain.js";
import { type CliIO, EXIT, processIO, UsageError } from "./io.js";
import { applyCommand, type CliEnv, planCommand } from "./mesh-commands.js";
import { schemasCommand } from "./schemas.js";
import { startCommand } from "./start.js";
import { validateCommand } from "./validate.js";

const USAGE = `ecsmesh: reconcile Amazon ECS service meshes from YAML manifests

Usage:
  ecsmesh validate DIR [--output text|json]
      Check every manifest under DIR; exit 1 with file:line:col errors if any is wrong.
  ecsmesh explain DIR PATH [--dtab DTAB] [--namespace NS] [--consul] [--output text|json]
      Show how linkerd resolves PATH (e.g. /svc/world) with the mesh's dtab,
      optionally with an l5d-dtab header override, down to weighted destinations;
      --consul also lists the Consul registrations behind each destination (CONSUL_HTTP_ADDR).
  ecsmesh plan DIR [--output text|json] [--inventory FILE] [--allow-mass-prune] [--adopt]
      Show what apply would change in ECS, per resource and field.
      Exit 0: nothing to do; 2: changes pending; 1: blocked or failed.
  ecsmesh apply DIR [--wait] [--timeout 10m] [--allow-mass-prune] [--adopt] [--inventory FILE]
      Make ECS match the manifests; --wait follows rollouts to COMPLETED or FAILED.
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

const Env = z.object({
  AWS_REGION: z.string().min(1).optional(),
  ECSMESH_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("warn"),
  CONSUL_HTTP_ADDR: z.string().min(1).optional(),
  CONSUL_HTTP_TOKEN: z.string().min(1).optional(),
});

function readEnv(env: NodeJS.ProcessEnv): CliEnv {
  const parsed = Env.safeParse(env);
  if (!parsed.success)
    throw new UsageError(
      `environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const consulAddress = parsed.data.CONSUL_HTTP_ADDR;
  return {
    awsRegion: parsed.data.AWS_REGION,
    logLevel: parsed.data.ECSMESH_LOG_LEVEL,
    // CONSUL_HTTP_ADDR may be host:port without a scheme, as the consul CLI accepts it.
    consulAddress:
      consulAddress && !/^https?:\/\//.test(consulAddress) ? `http://${consulAddress}` : consulAddress,
    consulToken: parsed.data.CONSUL_HTTP_TOKEN,
  };
}

function consulEnv(env: CliEnv) {
  return { address: env.consulAddress, token: env.consulToken };
}

function timeout(value: string | undefined): number {
  if (value === undefined) return 10 * 60_000;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--timeout takes a duration such as 10m, not ${value}`);
  return ms;
}

export async function main(
  argv: readonly string[],
  io: CliIO = processIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
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
        inventory: { type: "string" },
        "allow-mass-prune": { type: "boolean" },
        adopt: { type: "boolean" },
        wait: { type: "boolean" },
        timeout: { type: "string" },
        consul: { type: "boolean" },
      },
    });
    const ecsOptions = () => ({
      dir: positional(positionals, 0, "DIR"),
      output: outputFormat(values.output),
      inventory: values.inventory,
      allowMassPrune: values["allow-mass-prune"] ?? false,
      adopt: values.adopt ?? false,
      wait: values.wait ?? false,
      timeoutMs: timeout(values.timeout),
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
            consul: values.consul ? consulEnv(readEnv(env)) : undefined,
          },
          io,
        );
      case "plan":
        return await planCommand(ecsOptions(), readEnv(env), io);
      case "apply":
        return await applyCommand(ecsOptions(), readEnv(env), io);
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
    io.err(`ecsmesh: ${errorMessage(error)}\n`);
    return EXIT.invalid;
  }
}
