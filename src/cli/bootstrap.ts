import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { loadManifestDir, loadManifests } from "../compile/load.js";
import { compileMesh } from "../compile/mesh.js";
import { applyEcsPlan } from "../controllers/ecs/apply.js";
import type { EcsPlan } from "../controllers/ecs/plan.js";
import { planEcsForMesh } from "../controllers/ecs/reconcile.js";
import { type GitAuth, GitSource, parseSourceUrl } from "../runtime/git-source.js";
import { type Diagnostic, formatDiagnostic } from "../specs/diagnostic.js";
import type { LoadResult, ManifestFile } from "../specs/loader.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import { COMPONENT_LABEL, CONTROLLER_COMPONENT, ownerId } from "../specs/resolve.js";
import { canonicalJson } from "../util/canonical-json.js";
import { type CliIO, EXIT } from "./io.js";
import { type CliEnv, connect, EXIT_CHANGES, takeWriterLock } from "./mesh-commands.js";
import { hasChanges, renderPlan } from "./render-plan.js";

/** The package's own controller manifests, found relative to this file in both src/ and dist/. */
export const CONTROLLER_MANIFESTS_DIR = fileURLToPath(new URL("../../manifests/controller", import.meta.url));

/** Where the controller will pull its manifests from, as its `run` flags say. */
export interface ControllerSource {
  readonly source: string;
  readonly ref: string;
  readonly path: string;
}

export interface BootstrapOptions extends ControllerSource {
  /** A local checkout of `path` to read the Mesh from instead of fetching `source` at `ref`. */
  readonly dir: string | undefined;
  /** The directory holding the controller's Service manifest (a template). */
  readonly manifests: string;
  /** Replaces the template's image. */
  readonly image: string | undefined;
  readonly dryRun: boolean;
  /** Inventory file when there is no CONSUL_HTTP_ADDR, as for `apply`. */
  readonly inventory: string | undefined;
  readonly gitAuth: GitAuth;
}

/** Sets `--flag value` in an argument list, replacing its value or appending the pair. */
function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const at = args.indexOf(flag);
  return at === -1 ? [...args, flag, value] : args.map((arg, i) => (i === at + 1 ? value : arg));
}

/**
 * The controller's manifest files from `dir`, with its `run` command pointed at `target`, the
 * controller label set and the image replaced when one is given. Edited as YAML documents, so comments and layout survive.
 */
export async function renderControllerManifests(
  dir: string,
  target: ControllerSource,
  image: string | undefined,
): Promise<ManifestFile[]> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const files: ManifestFile[] = [];
  let services = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    const parsed = parseAllDocuments(await readFile(file, "utf8"));
    const documents = Array.isArray(parsed) ? parsed : [];
    const broken = documents.flatMap((d) => d.errors)[0];
    if (broken) throw new Error(`${file}: ${broken.message}`);
    for (const document of documents) {
      if (document.get("kind") !== "Service") continue;
      services++;
      const spec = (document.toJS() as { spec?: { command?: unknown } }).spec;
      let command = Array.isArray(spec?.command) ? spec.command.map(String) : ["run"];
      command = withFlag(command, "--source", target.source);
      command = withFlag(command, "--ref", target.ref);
      command = withFlag(command, "--path", target.path);
      document.setIn(["spec", "command"], command);
      // The label marks the controller's Service, whose roles validation keeps from every other one.
      document.setIn(["metadata", "labels", COMPONENT_LABEL], CONTROLLER_COMPONENT);
      if (image) document.setIn(["spec", "image"], image);
    }
    files.push({
      file,
      text: documents.map((d) => d.toString({ lineWidth: 0 })).join("---\n"),
    });
  }
  if (services !== 1)
    throw new Error(`${dir}: expected exactly one Service (the controller), found ${services}`);
  return files;
}

/** The manifests at `source`@`ref`/`path`, fetched into a temporary directory unless a local one is given. */
async function readSource(options: BootstrapOptions): Promise<LoadResult> {
  if (options.dir) return loadManifestDir(options.dir);
  const workdir = await mkdtemp(path.join(tmpdir(), "ecsmesh-bootstrap-"));
  try {
    const { source: url, ref, path: dir, gitAuth: auth } = options;
    const source = new GitSource({ url, ref, path: dir, workdir, auth });
    return await loadManifestDir((await source.fetch()).dir);
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
}

function invalid(diagnostics: readonly Diagnostic[], io: CliIO): number {
  for (const d of diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  io.err("invalid manifests; nothing was applied\n");
  return EXIT.invalid;
}

/**
 * Keeps only the controller's own resource. Bootstrap's set holds the Mesh and the controller
 * alone, so whatever else the plan says (pruning every other managed Service, the linkerd daemon)
 * is an artefact of that set: bootstrap never deletes, and creates nothing but the controller.
 */
function controllerOnly(plan: EcsPlan, name: string): EcsPlan {
  return { resources: plan.resources.filter((r) => r.name === name), massPruneRefused: undefined };
}

/**
 * `ecsmesh bootstrap`, like `flux bootstrap`: deploys the controller's own Service into the
 * Mesh's cluster through the same plan and apply as `ecsmesh apply`, pointed at the repository
 * it will then follow. The repository must already hold that exact manifest: otherwise the
 * controller's first pass would find itself in its inventory but not in its manifests, and
 * delete itself. When it does not, the manifest to commit is printed and nothing is applied.
 */
export async function bootstrapCommand(options: BootstrapOptions, env: CliEnv, io: CliIO): Promise<number> {
  // Checked before anything is fetched or printed; a URL without a credential goes on unchanged.
  const source = parseSourceUrl(options.source, options.gitAuth);
  if (source.credentialInUrl) {
    io.err(
      `--source ${source.url} holds a credential in its user part, and bootstrap writes --source into the ` +
        "controller's manifest (to be committed) and its ECS task definition: nothing was written or applied.\n" +
        "Pass the URL without it, and give the token as ECSMESH_GIT_TOKEN: here in the environment, and to the " +
        "controller as a secret in its Service manifest (secrets: ECSMESH_GIT_TOKEN: { valueFrom: <secret ARN> }).\n",
    );
    return EXIT.usage;
  }
  if (!/^(https?|ssh):\/\/|^[\w.-]+@[\w.-]+:/.test(options.source)) {
    io.err(`note: ${options.source} is not a remote URL; the controller in ECS must be able to reach it\n`);
  }
  const fromRepository = await readSource(options);
  if (!fromRepository.ok) return invalid(fromRepository.diagnostics, io);
  const repository = fromRepository.set;
  const rendered = await renderControllerManifests(options.manifests, options, options.image);
  const mesh = repository.mesh.source;
  const loaded = loadManifests([...rendered, { file: mesh.file, text: String(mesh.document) }]);
  if (!loaded.ok) return invalid(loaded.diagnostics, io);
  const set = loaded.set;
  const controller = set.services[0]?.manifest;
  if (!controller) throw new Error("the rendered manifests hold no Service");
  const name = controller.metadata.name;
  const committed = repository.services.find((s) => s.manifest.metadata.name === name)?.manifest;
  if (!committed || canonicalJson(committed) !== canonicalJson(controller)) {
    io.out(rendered.map((f) => f.text).join("---\n"));
    const why = committed
      ? [`The repository's Service ${name} differs from this manifest`, "redeploy itself as committed"]
      : [`The repository does not declare Service ${name} yet`, "delete itself, missing from its manifests"];
    io.err(
      `${why[0]} (${options.source}@${options.ref}:${options.path}). Nothing was applied.\n` +
        `Commit the manifest above there (e.g. as ${path.posix.join(options.path, `${name}.yaml`)}) and run bootstrap again:\n` +
        `otherwise the controller's first pass would ${why[1]}.\n`,
    );
    return EXIT.invalid;
  }

  // connect() keeps the inventory where the controller does: the mesh's Consul, unless --inventory.
  const targets = connect(set, options.inventory, env);
  const store = targets.ecs.store;
  if (options.inventory !== undefined) {
    io.err(
      `warning: ${name} keeps its inventory in the mesh's Consul, but --inventory records it in ${store.location};\n` +
        "the controller will then find itself tagged ours but missing from its inventory, and leave itself alone.\n",
    );
  }
  if (!options.dryRun && !(await takeWriterLock(targets.lock, 0, io))) return EXIT.invalid;
  try {
    return await deployController(set, targets, name, options, io);
  } finally {
    await targets.lock.stop();
  }
}

async function deployController(
  set: ManifestSet,
  targets: ReturnType<typeof connect>,
  name: string,
  options: BootstrapOptions,
  io: CliIO,
): Promise<number> {
  const store = targets.ecs.store;
  const planned = await planEcsForMesh(compileMesh(set), targets.ecs, {
    allowMassPrune: false,
    adopt: false,
  });
  const plan = controllerOnly(planned.plan, name);
  const { cluster, region } = set.mesh.manifest.spec.ecs;
  const header = `ECS cluster ${cluster} in ${region} (owner ${ownerId(set.mesh.manifest)}, inventory ${store.location})`;
  io.out(renderPlan(plan, header, io.color));
  const blocked = plan.resources.some((r) => r.outcome === "blocked");
  if (options.dryRun) return blocked ? EXIT.invalid : hasChanges(plan) ? EXIT_CHANGES : EXIT.ok;

  const applied = await applyEcsPlan(targets.ecs.api, plan, planned.inventory, store, targets.log);
  const failed = applied.resources.filter((r) => r.error);
  for (const r of failed) io.err(`${r.name}: ${r.error?.code}: ${r.error?.message}\n`);
  if (failed.length > 0 || blocked) return EXIT.invalid;
  io.out(
    `\n${hasChanges(plan) ? "Bootstrapped" : "Already bootstrapped"}: Service ${name} runs in ${cluster} and follows ${options.source}@${options.ref}:${options.path},\n` +
      "where its own manifest is committed: from now on it manages itself (and everything else there).\n",
  );
  return EXIT.ok;
}
