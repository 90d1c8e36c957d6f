import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { errorMessage } from "../aws/errors.js";
import type { RawEnvironment } from "./environment.js";
import { type CliIO, EXIT, processIO, UsageError } from "./io.js";
import { RENDER_PARTS, type RenderPart } from "./render-parts.js";

// Command modules are imported inside their actions: `help` and `validate` stay fast and never
// load the AWS SDK.

const ENVIRONMENT_HELP = `
Exit codes: 0 ok; 1 invalid manifests or a failure; 2 plan has changes pending; 64 bad usage.

Environment (read once when a command begins; a bad value is a usage error naming the variable):
  AWS_REGION, AWS_ENDPOINT_URL(_<SERVICE>) and the AWS credential chain;
  CONSUL_HTTP_ADDR (host:port or URL), CONSUL_HTTP_TOKEN; ECSMESH_NAMERD_URL; ECSMESH_LOG_LEVEL;
  ECSMESH_TRUSTED_ENDPOINTS (origins a token may go to besides CONSUL_HTTP_ADDR and GRAFANA_URL);
  for run: ECSMESH_WEBHOOK_SECRET, ECSMESH_STATUS_TOKEN (a bearer token for / and /status),
  ECSMESH_GIT_TOKEN, ECSMESH_GIT_SSH_KEY_FILE, ECSMESH_GIT_KNOWN_HOSTS_FILE, GRAFANA_URL, GRAFANA_TOKEN;
  for start: ECSMESH_PORT (default 8080).
`;

type OutputFormat = "text" | "json";

interface MeshFlags {
  readonly output: OutputFormat;
  readonly inventory?: string;
  readonly allowMassPrune?: boolean;
  readonly adopt?: boolean;
}

interface RunFlags {
  readonly source: string;
  readonly ref: string;
  readonly path: string;
  readonly interval: string;
  readonly poll: string;
  readonly port: number;
  readonly host: string;
  readonly workdir: string;
  readonly identity?: string;
  readonly inventory?: string;
}

interface BootstrapFlags {
  readonly source: string;
  readonly ref: string;
  readonly path: string;
  readonly dir?: string;
  readonly image?: string;
  readonly manifests?: string;
  readonly inventory?: string;
  readonly dryRun?: boolean;
}

/** The package's version, from the package.json above both src/cli and dist/cli. */
function packageVersion(): string {
  const packageJson = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(packageJson) as { version: string }).version;
}

function outputOption(): Option {
  return new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text");
}

function port(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > 65_535) throw new InvalidArgumentError("a port is 0..65535.");
  return parsed;
}

/** Durations are checked in the action: the parser lives with zod, which `help` should not load. */
async function duration(flag: string, value: string): Promise<number> {
  const { parseDuration } = await import("../specs/duration.js");
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${flag} takes a duration such as 30s or 10m, not ${value}`);
  return ms;
}

/** A taken status port, said in terms of the setting that chose it rather than a bare EADDRINUSE. */
function portInUse(error: unknown, port: number, remedy: string): unknown {
  return error instanceof Error && "code" in error && error.code === "EADDRINUSE"
    ? new Error(`port ${port} is in use; ${remedy}`)
    : error;
}

/** The parsed environment and its helpers; loaded by the commands that read a variable (zod stays out of `help`). */
async function loadEnvironment(env: RawEnvironment) {
  const environment = await import("./environment.js");
  return { ...environment, parsed: environment.parseEnvironment(env) };
}

export async function main(
  argv: readonly string[],
  io: CliIO = processIO,
  env: RawEnvironment = process.env,
): Promise<number> {
  let exitCode: number = EXIT.ok;
  /** Runs an action for its exit code; a UsageError is reported as commander's own, with the command's help. */
  const act =
    <A extends unknown[]>(command: Command, run: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      try {
        exitCode = await run(...args);
      } catch (error) {
        if (error instanceof UsageError) command.error(error.message, { exitCode: EXIT.usage });
        throw error;
      }
    };

  const program = new Command("ecsmesh")
    .description("Reconcile Amazon ECS service meshes from YAML manifests.")
    .version(packageVersion(), "-V, --version", "print the version")
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (text, write) => write(`ecsmesh: ${text.replace(/^error: /, "")}`),
    })
    .exitOverride()
    .showHelpAfterError()
    .addHelpText("after", ENVIRONMENT_HELP);

  const validate = program
    .command("validate")
    .description("Check every manifest under DIR; exit 1 with file:line:col errors if any is wrong.")
    .argument("<dir>", "manifest directory")
    .addOption(outputOption());
  validate.action(
    act(validate, async (dir: string, flags: { output: OutputFormat }) => {
      const { validateCommand } = await import("./validate.js");
      return validateCommand({ dir, output: flags.output }, io);
    }),
  );

  const render = program
    .command("render")
    .summary(
      "Print the desired state compiled from DIR: task definitions, linkerd config, dtabs, monitoring files.",
    )
    .description(
      "Print the desired state compiled from DIR, exactly as plan and apply would send it: the ECS " +
        "services and task definitions, the linkerd config, the dtab of every namespace, the Consul " +
        "service definitions and the Prometheus and Grafana files. Calls no API.",
    )
    .argument("<dir>", "manifest directory")
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .addOption(new Option("--only <part>", "print one part").choices(RENDER_PARTS));
  render.action(
    act(render, async (dir: string, flags: { output: "yaml" | "json"; only?: RenderPart }) => {
      const { renderCommand } = await import("./render.js");
      return renderCommand({ dir, output: flags.output, only: flags.only }, io);
    }),
  );

  const explain = program
    .command("explain")
    .summary("Show how linkerd resolves PATH with the mesh's dtab, down to weighted destinations.")
    .description(
      "Show how linkerd resolves PATH (e.g. /svc/world) with the mesh's dtab, optionally with an " +
        "l5d-dtab header override, down to weighted destinations.",
    )
    .argument("<dir>", "manifest directory")
    .argument("<path>", "the path to resolve, e.g. /svc/world")
    .option("--dtab <dtab>", "an l5d-dtab header override")
    .option("--namespace <ns>", "the linkerd namespace (default: the Mesh's)")
    .option("--consul", "also list the Consul registrations behind each destination (CONSUL_HTTP_ADDR)")
    .addOption(outputOption());
  explain.action(
    act(
      explain,
      async (
        dir: string,
        resolved: string,
        flags: { dtab?: string; namespace?: string; consul?: boolean; output: OutputFormat },
      ) => {
        const { explainCommand } = await import("./explain.js");
        const consul = flags.consul ? await loadEnvironment(env) : undefined;
        return explainCommand(
          {
            dir,
            path: resolved,
            dtab: flags.dtab,
            namespace: flags.namespace,
            output: flags.output,
            consul: consul && {
              address: consul.parsed.CONSUL_HTTP_ADDR,
              token: consul.cliEnv(consul.parsed).consulToken,
            },
          },
          io,
        );
      },
    ),
  );

  const withMeshFlags = (command: Command) =>
    command
      .argument("<dir>", "manifest directory")
      .addOption(outputOption())
      .option(
        "--inventory <file>",
        "keep the inventory (and its lock, FILE.lock) in this file instead of the mesh's Consul KV",
      )
      .option("--allow-mass-prune", "delete more than the Mesh's prune.maxDeletePercent in one pass")
      .option("--adopt", "take over services tagged ours and named in the manifests");

  const plan = withMeshFlags(
    program
      .command("plan")
      .description(
        "Show what apply would change, per resource and field. Exit 0: nothing to do; 2: changes pending; 1: blocked or failed.",
      ),
  );
  plan.action(
    act(plan, async (dir: string, flags: MeshFlags) => {
      const [{ planCommand }, environment] = await Promise.all([
        import("./mesh-commands.js"),
        loadEnvironment(env),
      ]);
      // plan never waits.
      const options = { ...meshOptions(dir, flags), wait: false, timeoutMs: 0, lockTimeoutMs: 0 };
      return planCommand(options, environment.cliEnv(environment.parsed), io);
    }),
  );

  const apply = withMeshFlags(
    program
      .command("apply")
      .description(
        "Make ECS, Consul, namerd and Cloud Map match the manifests; --wait follows the rollouts.",
      ),
  )
    .option("--wait", "follow every rollout to COMPLETED or FAILED")
    .option("--timeout <duration>", "how long --wait waits", "10m")
    .option(
      "--lock-timeout <duration>",
      "how long to wait for another writer's lock on the mesh before refusing",
      "0s",
    );
  apply.action(
    act(
      apply,
      async (dir: string, flags: MeshFlags & { wait?: boolean; timeout: string; lockTimeout: string }) => {
        const timeoutMs = await duration("timeout", flags.timeout);
        const lockTimeoutMs = await duration("lock-timeout", flags.lockTimeout);
        const [{ applyCommand }, environment] = await Promise.all([
          import("./mesh-commands.js"),
          loadEnvironment(env),
        ]);
        const options = { ...meshOptions(dir, flags), wait: flags.wait ?? false, timeoutMs, lockTimeoutMs };
        return applyCommand(options, environment.cliEnv(environment.parsed), io);
      },
    ),
  );

  const run = program
    .command("run")
    .description("The controller: reconcile the manifests at the head of a git branch, continuously.")
    .requiredOption("--source <url|path>", "a git URL or a local repository")
    .option("--ref <ref>", "branch", "main")
    .option("--path <dir>", "manifest directory in the repository", ".")
    .option("--interval <duration>", "full pass period (must divide a minute, hour or day)", "1m")
    .option("--poll <duration>", "how often to look for a new commit", "10s")
    .option("--port <port>", "status port", port, 8080)
    .option(
      "--host <address>",
      "the address the status port listens on; 0.0.0.0 is every interface (health checks and " +
        "Prometheus from outside the task), 127.0.0.1 only this host",
      "0.0.0.0",
    )
    .option("--workdir <dir>", "state directory", path.join(".ecsmesh", "controller"))
    .option("--identity <name>", "this replica's name, shown to other writers (default: hostname-pid)")
    .option(
      "--inventory <file>",
      "keep the inventory and its lock in this file (a durable volume) instead of the mesh's Consul KV",
    );
  run.action(act(run, (flags: RunFlags) => runCommand(flags, env, io)));

  const bootstrap = program
    .command("bootstrap")
    .summary("Deploy the controller itself into the Mesh's cluster, following --source.")
    .description(
      "Deploy the controller itself into the Mesh's cluster, following --source (like flux bootstrap): " +
        "prints its manifest to commit first; applies it once the repository holds it.",
    )
    .requiredOption("--source <url>", "the repository the controller will follow")
    .option("--ref <ref>", "branch", "main")
    .option("--path <dir>", "manifest directory in the repository", ".")
    .option("--dir <checkout>", "a local checkout of --source (default: a fresh clone)")
    .option("--image <image>", "the controller's image")
    .option("--manifests <dir>", "the controller's manifests (default: the package's manifests/controller)")
    .option("--inventory <file>", "keep the inventory in this file instead of the mesh's Consul KV")
    .option("--dry-run", "show the plan, change nothing");
  bootstrap.action(
    act(bootstrap, async (flags: BootstrapFlags) => {
      const [{ bootstrapCommand, CONTROLLER_MANIFESTS_DIR }, environment] = await Promise.all([
        import("./bootstrap.js"),
        loadEnvironment(env),
      ]);
      return bootstrapCommand(
        {
          source: flags.source,
          ref: flags.ref,
          path: flags.path,
          dir: flags.dir,
          manifests: flags.manifests ?? CONTROLLER_MANIFESTS_DIR,
          image: flags.image,
          dryRun: flags.dryRun ?? false,
          inventory: flags.inventory,
          gitAuth: environment.gitAuth(environment.parsed),
        },
        environment.cliEnv(environment.parsed),
        io,
      );
    }),
  );

  const sandbox = program
    .command("sandbox")
    .description("Run only the local ECS, EC2, Cloud Map, Consul and namerd, and print their environment.")
    .option(
      "--cluster <name>",
      "an ECS cluster to create; repeatable (default: default)",
      (name: string, previous: string[] | undefined) => [...(previous ?? []), name],
    );
  sandbox.action(
    act(sandbox, async (flags: { cluster?: string[] }) => {
      // Checked like every command's, though the sandbox only asks which endpoints are given.
      await loadEnvironment(env);
      const { sandboxCommand } = await import("./sandbox.js");
      return sandboxCommand(io, flags.cluster ?? ["default"], env);
    }),
  );

  const start = program
    .command("start")
    .summary("The embedded default (npm start): the controller on a local sandbox and examples/hello-world.")
    .description(
      "The embedded default (npm start): the controller on a local sandbox and examples/hello-world, " +
        "on port ECSMESH_PORT (default 8080). An endpoint the environment names (e.g. CONSUL_HTTP_ADDR) " +
        "is used instead of its local server.",
    );
  start.action(
    act(start, async () => {
      const [{ sandboxStartCommand }, environment] = await Promise.all([
        import("./sandbox.js"),
        loadEnvironment(env),
      ]);
      const { ECSMESH_PORT, ECSMESH_LOG_LEVEL } = environment.parsed;
      return sandboxStartCommand(io, {
        port: ECSMESH_PORT,
        logLevel: ECSMESH_LOG_LEVEL ?? "warn",
        environment: env,
      }).catch((error: unknown) => {
        throw portInUse(error, ECSMESH_PORT, "set ECSMESH_PORT to another port");
      });
    }),
  );

  const schemas = program
    .command("schemas")
    .description("Write (or verify) the JSON Schemas of the manifest kinds, for editors.")
    .option("--write <dir>", "write the schemas into DIR")
    .option("--check <dir>", "fail if DIR's schemas are out of date");
  schemas.action(
    act(schemas, async (flags: { write?: string; check?: string }) => {
      const dir = flags.write ?? flags.check;
      if (dir === undefined || (flags.write && flags.check))
        throw new UsageError("give one of --write DIR or --check DIR");
      const { schemasCommand } = await import("./schemas.js");
      return schemasCommand({ dir, mode: flags.write ? "write" : "check" }, io);
    }),
  );

  try {
    // A bare `ecsmesh` asks what it can do.
    await program.parseAsync(argv.length === 0 ? ["help"] : argv, { from: "user" });
    return exitCode;
  } catch (error) {
    // Commander has already written its message (help, version, or a usage error and the help).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    io.err(`ecsmesh: ${errorMessage(error)}\n`);
    return EXIT.invalid;
  }
}

function meshOptions(dir: string, flags: MeshFlags) {
  return {
    dir,
    output: flags.output,
    inventory: flags.inventory,
    allowMassPrune: flags.allowMassPrune ?? false,
    adopt: flags.adopt ?? false,
  };
}

/** `ecsmesh run`: starts the controller and keeps it until SIGTERM (ECS's stop) or SIGINT. */
async function runCommand(flags: RunFlags, env: RawEnvironment, io: CliIO): Promise<number> {
  const intervalMs = await duration("interval", flags.interval);
  const pollMs = await duration("poll", flags.poll);
  const [{ defaultIdentity, startController }, { parseSourceUrl }, environment] = await Promise.all([
    import("./run.js"),
    import("../runtime/git-source.js"),
    loadEnvironment(env),
  ]);
  const controllerEnv = environment.controllerEnv(environment.parsed);
  // From here on only the URL without its credential is shown, logged or handed to git.
  const source = parseSourceUrl(flags.source, controllerEnv.gitAuth);
  if (source.credentialInUrl) {
    // This process's own arguments cannot be rewritten: say so, once.
    io.err(
      "warning: --source holds a credential, which anyone who can list processes sees in this command line; " +
        "give the token in ECSMESH_GIT_TOKEN instead\n",
    );
  }
  const running = await startController({
    ...controllerEnv,
    source: source.url,
    gitAuth: source.auth,
    ref: flags.ref,
    path: flags.path,
    intervalMs,
    pollMs,
    port: flags.port,
    host: flags.host,
    workdir: path.resolve(flags.workdir),
    identity: flags.identity ?? defaultIdentity(),
    inventoryFile: flags.inventory,
  }).catch((error: unknown) => {
    throw portInUse(error, flags.port, "pass another with --port");
  });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  // ECS waits stopTimeout (30 s by default) after SIGTERM: finish the pass, release the lock, exit 0.
  await running.stop();
  return EXIT.ok;
}
