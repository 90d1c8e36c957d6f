import { access, mkdir, realpath, rm, stat } from "node:fs/promises";
import path from "node:path";
import { GitSourceError, runGit } from "./git-command.js";
import { type GitAuth, type GitRemote, gitRemote } from "./git-remote.js";

export { GitSourceError } from "./git-command.js";
export type { GitAuth } from "./git-remote.js";
export { parseSourceUrl } from "./git-remote.js";

export interface GitSourceOptions {
  /** https://, http://, ssh://, git@host:path, file:// or a local repository path; its userinfo goes into auth. */
  url: string;
  /** The branch to follow; default "main". */
  ref?: string;
  /** The directory inside the repository holding the manifests; default ".". */
  path?: string;
  /** A directory this source owns: the repository and its checkout live here. */
  workdir: string;
  auth?: GitAuth;
  /** Per git command; default 60 s. */
  timeoutMs?: number;
}

export interface GitRevision {
  sha: string;
  /** Flux-style `<ref>@sha1:<sha>`. */
  revision: string;
}

export interface GitCheckout extends GitRevision {
  /** Absolute path of `<checkout>/<path>`; its tree is exactly the commit's until the next fetch(). */
  dir: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Lock files a killed git can leave in a repository (index, shallow file, the checked-out HEAD). */
const STALE_LOCKS = ["index.lock", "shallow.lock", "HEAD.lock", "config.lock"];

// Old commits must not pile up in a repository that is fetched forever: no reflog keeps them reachable, and
// automatic gc runs inside the (timed) fetch instead of a detached process that outlives it.
const REPOSITORY_CONFIG = { "core.logAllRefUpdates": "false", "gc.autoDetach": "false" };

/** One branch of one repository, fetched the way Flux's source-controller does: shallow, into a kept repository. */
export class GitSource {
  readonly #remote: GitRemote;
  readonly #ref: string;
  readonly #path: string;
  readonly #workdir: string;
  readonly #timeoutMs: number;
  // Fetches run one after another: two gits checking out in one work tree would fight over its locks.
  #queue: Promise<unknown> = Promise.resolve();
  #locksCleared = false;

  constructor(options: GitSourceOptions) {
    this.#remote = gitRemote(options.url, options.auth);
    this.#ref = branchName(options.ref ?? "main");
    this.#path = manifestPath(options.path ?? ".");
    this.#workdir = path.resolve(options.workdir);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The URL without its credential: what status, logs and messages may show. */
  get url(): string {
    return this.#remote.url;
  }

  /** The branch's current commit on the remote (one `git ls-remote`, cheap enough to poll every few seconds). */
  async latestRevision(): Promise<GitRevision> {
    const out = await this.#git(["ls-remote", "--", this.#remote.url, this.#refName]);
    // ls-remote patterns also match longer refs ending in the same name, so compare the name exactly.
    const sha = out
      .split("\n")
      .map((line) => line.split("\t"))
      .find(([, name]) => name === this.#refName)?.[0];
    if (sha === undefined) {
      throw new GitSourceError(`branch "${this.#ref}" does not exist in ${this.#remote.url}`);
    }
    return this.#revision(sha);
  }

  /** Fetches the branch's current commit and checks out exactly its tree. */
  fetch(): Promise<GitCheckout> {
    const run = this.#queue.then(() => this.#fetchNow());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #fetchNow(): Promise<GitCheckout> {
    const repo = this.#workdir;
    if (!(await exists(path.join(repo, ".git")))) {
      await mkdir(repo, { recursive: true });
      await this.#git(["init", "--quiet", repo]);
    } else if (!this.#locksCleared) {
      // This source owns the workdir and serializes its gits, so a lock left at start-up is from a
      // process that was killed mid-fetch; git would refuse every later fetch until it is gone.
      await Promise.all(STALE_LOCKS.map((lock) => rm(path.join(repo, ".git", lock), { force: true })));
    }
    this.#locksCleared = true;
    await this.#git(
      ["fetch", "--quiet", "--depth", "1", "--no-tags", "--", this.#remote.url, this.#refName],
      repo,
    );
    await this.#git(["checkout", "--quiet", "--force", "--detach", "FETCH_HEAD"], repo);
    // Whatever was left behind (even ignored files) goes: a pass reads the committed tree and nothing else.
    await this.#git(["clean", "-ffdx", "--quiet"], repo);
    const revision = this.#revision(
      (await this.#git(["rev-parse", "--verify", "HEAD^{commit}"], repo)).trim(),
    );
    return { ...revision, dir: await this.#manifestDir(revision.revision) };
  }

  async #manifestDir(revision: string): Promise<string> {
    const dir = path.resolve(this.#workdir, this.#path);
    const real = await realpath(dir).catch(() => undefined);
    if (real === undefined || !(await stat(real)).isDirectory()) {
      throw new GitSourceError(`path "${this.#path}" does not exist in ${revision} (or is not a directory)`);
    }
    // A committed symlink must not point the controller at files outside the checkout.
    const root = await realpath(this.#workdir);
    if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
      throw new GitSourceError(`path "${this.#path}" in ${revision} leads outside the repository`);
    }
    return dir;
  }

  get #refName(): string {
    return `refs/heads/${this.#ref}`;
  }

  #revision(sha: string): GitRevision {
    return { sha, revision: `${this.#ref}@sha1:${sha}` };
  }

  #git(args: readonly string[], repo?: string): Promise<string> {
    return runGit(args, {
      config: { ...REPOSITORY_CONFIG, ...this.#remote.config },
      env: this.#remote.env,
      secrets: this.#remote.secrets,
      timeoutMs: this.#timeoutMs,
      repo,
    });
  }
}

// Characters no branch name may hold, and which would change what a refspec or ls-remote pattern means.
function branchName(ref: string): string {
  if (!/^[^\s:*?[\\^~]+$/.test(ref)) throw new GitSourceError(`invalid branch name "${ref}"`);
  return ref;
}

function manifestPath(value: string): string {
  const normal = path.normalize(value);
  const first = normal.split(path.sep)[0];
  if (path.isAbsolute(normal) || first === ".." || first === ".git") {
    throw new GitSourceError(`path "${value}" must be a directory inside the repository`);
  }
  return normal;
}

function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
