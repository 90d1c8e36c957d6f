import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { gitEnv, runGit } from "../../src/runtime/git-command.js";
import { gitRemote } from "../../src/runtime/git-remote.js";
import { GitSource, GitSourceError, type GitSourceOptions } from "../../src/runtime/git-source.js";

const run = promisify(execFile);
const TOKEN = "ghp_s3cretT0kenValue";
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");

let root: string;
let dirs = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ecsmesh-git-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

function freshDir(name: string): string {
  return path.join(root, `${name}-${++dirs}`);
}

/** Runs the test's own git with an author, and without any repository a git hook running the tests points at. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = gitEnv(process.env, {
    config: {},
    env: {
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
    secrets: [],
    timeoutMs: 10_000,
  });
  return (await run("git", args, { cwd, env })).stdout.trim();
}

/** A bare repository on `main`, and a way to push commits to it. */
async function origin() {
  const bare = freshDir("origin");
  const work = freshDir("author");
  await git(root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
  await git(root, "init", "--quiet", "--initial-branch=main", work);
  const commit = async (files: Record<string, string | null>) => {
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(work, file);
      if (content === null) {
        await rm(target);
      } else {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    }
    await git(work, "add", "--all");
    await git(work, "commit", "--quiet", "-m", "change");
    await git(work, "push", "--quiet", bare, "HEAD:refs/heads/main");
    return git(work, "rev-parse", "HEAD");
  };
  const first = await commit({
    "deploy/app.yaml": "kind: Service\n",
    "deploy/old.yaml": "kind: Route\n",
    ".gitignore": "*.tmp\n",
    "README.md": "docs\n",
  });
  return { url: bare, work, first, commit };
}

function source(url: string, options: Partial<GitSourceOptions> = {}): GitSource {
  return new GitSource({ url, workdir: freshDir("workdir"), timeoutMs: 5_000, ...options });
}

describe("GitSource", () => {
  it.each([
    ["a local path", (bare: string) => bare],
    ["a file:// URL", (bare: string) => pathToFileURL(bare).href],
  ])("checks out the branch's commit with a Flux-style revision from %s", async (_, url) => {
    const repo = await origin();
    const checkout = await source(url(repo.url)).fetch();

    expect(checkout.sha).toBe(repo.first);
    expect(checkout.revision).toBe(`main@sha1:${repo.first}`);
    expect(checkout.revision).toMatch(/^main@sha1:[0-9a-f]{40}$/);
    expect(path.isAbsolute(checkout.dir)).toBe(true);
    expect(await readFile(path.join(checkout.dir, "deploy/app.yaml"), "utf8")).toBe("kind: Service\n");
  });

  it("sees a new commit with latestRevision and moves the checkout to it", async () => {
    const repo = await origin();
    const src = source(repo.url);
    const before = await src.fetch();
    expect((await src.latestRevision()).sha).toBe(repo.first);

    const second = await repo.commit({ "deploy/old.yaml": null, "deploy/new.yaml": "kind: Route\n" });
    expect(await src.latestRevision()).toEqual({ sha: second, revision: `main@sha1:${second}` });
    const after = await src.fetch();

    expect(after.sha).toBe(second);
    expect(after.dir).toBe(before.dir);
    expect(existsSync(path.join(after.dir, "deploy/old.yaml"))).toBe(false);
    expect(existsSync(path.join(after.dir, "deploy/new.yaml"))).toBe(true);
    // The kept repository is shallow: one commit deep, never a full clone.
    expect(await git(after.dir, "rev-list", "--count", "HEAD")).toBe("1");
  });

  it("recovers from the lock files a killed git leaves behind when a new process starts", async () => {
    const repo = await origin();
    const workdir = freshDir("workdir");
    await source(repo.url, { workdir }).fetch();
    const second = await repo.commit({ "deploy/new.yaml": "kind: Route\n" });
    // As if the previous controller died mid-fetch: git refuses to run while these exist.
    await writeFile(path.join(workdir, ".git", "index.lock"), "");
    await writeFile(path.join(workdir, ".git", "shallow.lock"), "");
    const restarted = await source(repo.url, { workdir }).fetch();
    expect(restarted.sha).toBe(second);
  });

  it("removes stray, ignored and modified files on the next fetch", async () => {
    const repo = await origin();
    const src = source(repo.url);
    const { dir } = await src.fetch();
    await writeFile(path.join(dir, "deploy/stray.yaml"), "kind: Service\n");
    await writeFile(path.join(dir, "left.tmp"), "ignored by .gitignore\n");
    await mkdir(path.join(dir, "extra/nested"), { recursive: true });
    await writeFile(path.join(dir, "extra/nested/x.yaml"), "x\n");
    await writeFile(path.join(dir, "deploy/app.yaml"), "edited\n");

    await src.fetch();

    expect(existsSync(path.join(dir, "deploy/stray.yaml"))).toBe(false);
    expect(existsSync(path.join(dir, "left.tmp"))).toBe(false);
    expect(existsSync(path.join(dir, "extra"))).toBe(false);
    expect(await readFile(path.join(dir, "deploy/app.yaml"), "utf8")).toBe("kind: Service\n");
  });

  it("returns the path subdirectory", async () => {
    const repo = await origin();
    const workdir = freshDir("workdir");
    const checkout = await source(repo.url, { workdir, path: "deploy/" }).fetch();

    expect(checkout.dir).toBe(path.join(workdir, "deploy"));
    expect(existsSync(path.join(checkout.dir, "app.yaml"))).toBe(true);
  });

  it("names the revision and path when the path is missing or leads outside the checkout", async () => {
    const repo = await origin();
    await symlink("..", path.join(repo.work, "up"));
    const sha = await repo.commit({});

    await expect(source(repo.url, { path: "manifests" }).fetch()).rejects.toThrow(
      new GitSourceError(`path "manifests" does not exist in main@sha1:${sha} (or is not a directory)`),
    );
    await expect(source(repo.url, { path: "README.md" }).fetch()).rejects.toThrow(/is not a directory/);
    await expect(source(repo.url, { path: "up" }).fetch()).rejects.toThrow(
      `path "up" in main@sha1:${sha} leads outside the repository`,
    );
  });

  it("reports an unknown branch as a GitSourceError", async () => {
    const repo = await origin();
    const src = source(repo.url, { ref: "release" });

    await expect(src.latestRevision()).rejects.toThrow(
      new GitSourceError(`branch "release" does not exist in ${repo.url}`),
    );
    const error = await src.fetch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitSourceError);
    expect((error as GitSourceError).message).toMatch(
      /git fetch .* failed \(exit 128\): .*refs\/heads\/release/,
    );
    expect((error as GitSourceError).command).toContain("git fetch --quiet --depth 1 --no-tags --");
  });

  it("passes the HTTPS token only as an http.extraHeader through GIT_CONFIG_* variables", () => {
    const remote = gitRemote("https://github.com/org/repo.git", { httpsToken: TOKEN });
    const env = gitEnv(
      { PATH: "/bin", GIT_DIR: "/hook/.git", GIT_CONFIG_PARAMETERS: "'x.y'='z'" },
      {
        ...remote,
        timeoutMs: 1,
      },
    );

    expect(remote.url).toBe("https://github.com/org/repo.git");
    expect(env).toEqual({
      PATH: "/bin",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${BASIC}`,
      GIT_TERMINAL_PROMPT: "0",
    });
  });

  it.each([
    ["auth.httpsToken", "https://127.0.0.1:1/x.git", TOKEN, { httpsToken: TOKEN }],
    ["a password in the URL", "https://deploy:p%40ss-w0rd@127.0.0.1:1/x.git", "p@ss-w0rd", {}],
    // How GitHub and GitLab tokens are commonly pasted: the token is the URL's user name.
    ["a token as the URL's user name", `https://${TOKEN}@127.0.0.1:1/x.git`, TOKEN, {}],
  ])("keeps %s out of git's process arguments and errors", async (_, url, secret, auth) => {
    const trace = `${freshDir("trace")}.log`;
    vi.stubEnv("GIT_TRACE", trace);
    const src = source(url, { auth });

    const errors = [
      await src.latestRevision().catch((e: unknown) => e),
      await src.fetch().catch((e: unknown) => e),
    ];

    for (const error of errors) {
      expect(error).toBeInstanceOf(GitSourceError);
      const { message, command, stderr } = error as GitSourceError;
      expect(message).toMatch(/127\.0\.0\.1/);
      for (const text of [message, command, stderr, String((error as Error).stack)]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(encodeURIComponent(secret));
      }
    }
    // GIT_TRACE logs the arguments of every process git starts, the HTTPS transport helper included.
    const traced = await readFile(trace, "utf8");
    expect(traced).toContain("git-remote-https https://127.0.0.1:1/x.git");
    expect(traced).not.toContain(secret);
    expect(traced).not.toContain(encodeURIComponent(secret));
    expect(src.url).toBe("https://127.0.0.1:1/x.git");
  });

  it("sends a token written as the URL's user name, or a user name and password, as the header a token gets", () => {
    const header = (url: string) => gitRemote(url).config["http.extraHeader"];
    expect(gitRemote(`https://${TOKEN}@github.com/org/repo.git`)).toEqual(
      gitRemote("https://github.com/org/repo.git", { httpsToken: TOKEN }),
    );
    expect(header("https://deploy:p%40ss@git.example.com/x.git")).toBe(
      `Authorization: Basic ${Buffer.from("deploy:p@ss").toString("base64")}`,
    );
    expect(() => gitRemote(`https://${TOKEN}@github.com/org/repo.git`, { httpsToken: TOKEN })).toThrow(
      /either in auth.httpsToken or in the URL/,
    );
  });

  it.each([
    [
      "an unsupported scheme",
      "ftp://bob:s3cr3t-pw@git.example.com/x.git",
      /^unsupported URL "ftp:\/\/git\.example\.com\/x\.git"/,
    ],
    ["an ssh:// URL", "ssh://deploy:s3cr3t-pw@git.example.com/x.git", /holds an SSH password/],
    ["an scp-like URL", "deploy:s3cr3t-pw@git.example.com:org/x.git", /holds an SSH password/],
  ])("refuses a password in %s without echoing it", async (_, url, message) => {
    const auth = url.startsWith("ftp") ? {} : { knownHostsFile: "/keys/known_hosts" };
    const error = await Promise.resolve()
      .then(() => source(url, { auth }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitSourceError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("s3cr3t-pw");
  });

  it("strips any URL's userinfo from git's command line and its own output in errors", async () => {
    const repo = await origin();
    // git echoes a refspec it cannot parse, verbatim.
    const args = ["fetch", "--", repo.url, "https://bob:s3cr3t-pw@git.example.com/x.git"];
    const invocation = { config: {}, env: {}, secrets: [], timeoutMs: 5_000, repo: repo.work };
    const error = await runGit(args, invocation).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GitSourceError);
    const { message, command, stderr } = error as GitSourceError;
    expect(stderr).toBe("fatal: invalid refspec 'https://git.example.com/x.git'");
    for (const text of [message, command, stderr]) expect(text).not.toContain("s3cr3t-pw");
  });

  it("keeps an SSH user name, which is no secret, in the URL", () => {
    const url = "ssh://git@github.com/org/repo.git";
    expect(source(url, { auth: { knownHostsFile: "/keys/known_hosts" } }).url).toBe(url);
  });

  it("runs SSH only with a known_hosts file, strict host checking and the given key", () => {
    expect(() => source("git@github.com:org/repo.git", { auth: { sshKeyFile: "/keys/id" } })).toThrow(
      new GitSourceError(
        "SSH needs auth.knownHostsFile: unknown host keys are never trusted (git@github.com:org/repo.git)",
      ),
    );

    const remote = gitRemote("ssh://git@github.com/org/repo.git", {
      sshKeyFile: "/keys/id 'ed25519'",
      knownHostsFile: "/keys/known hosts",
    });
    expect(remote.env).toEqual({
      GIT_SSH_COMMAND:
        `ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o 'UserKnownHostsFile="/keys/known hosts"' ` +
        `-i '/keys/id '\\''ed25519'\\''' -o IdentitiesOnly=yes`,
    });
  });

  it.each<[string, Partial<GitSourceOptions>, RegExp]>([
    [
      "a token over plain http",
      { url: "http://git.example.com/x.git", auth: { httpsToken: TOKEN } },
      /credentials need an https:\/\/ URL/,
    ],
    ["a password over plain http", { url: "http://u:pw@git.example.com/x.git" }, /credentials need an https/],
    [
      "a token for an SSH URL",
      { url: "git@github.com:o/r.git", auth: { httpsToken: TOKEN } },
      /needs an https/,
    ],
    [
      "an SSH key for an https URL",
      { url: "https://git.example.com/x.git", auth: { sshKeyFile: "/k" } },
      /need an SSH URL/,
    ],
    ["a remote helper", { url: "ext::sh -c touch% /tmp/pwned" }, /unsupported URL "ext::/],
    ["an unsupported scheme", { url: "ftp://git.example.com/x.git" }, /unsupported URL "ftp:/],
    ["a path outside the repository", { path: "../elsewhere" }, /must be a directory inside the repository/],
    ["a path into .git", { path: ".git/hooks" }, /must be a directory inside the repository/],
    ["a refspec as branch", { ref: "main:refs/heads/evil" }, /invalid branch name/],
  ])("refuses %s before running git", (_, options, message) => {
    expect(() => source("/nowhere", options)).toThrow(message);
  });

  it("serializes concurrent fetches of one source", async () => {
    const repo = await origin();
    const src = source(repo.url);

    const fetchFour = async () => (await Promise.all([1, 2, 3, 4].map(() => src.fetch()))).map((c) => c.sha);

    // Both when the repository is created and when it already exists.
    expect(await fetchFour()).toEqual([repo.first, repo.first, repo.first, repo.first]);
    const second = await repo.commit({ "deploy/new.yaml": "kind: Route\n" });
    expect(await fetchFour()).toEqual([second, second, second, second]);
  });

  it("stops a git command that outlives its timeout", async () => {
    // A server that accepts connections and never answers.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const src = source(`http://127.0.0.1:${port}/x.git`, { timeoutMs: 300 });
      await expect(src.latestRevision()).rejects.toThrow(/git ls-remote .* timed out after 300 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});
