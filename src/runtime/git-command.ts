import { execFile } from "node:child_process";
import path from "node:path";
import { redactUserinfo } from "./redact.js";

/** A git source failure: the command (free of secrets) and the end of git's stderr, with secrets redacted. */
export class GitSourceError extends Error {
  override readonly name = "GitSourceError";

  constructor(
    message: string,
    readonly command?: string,
    readonly stderr?: string,
  ) {
    super(message);
  }
}

/** What one git invocation needs besides its arguments. */
export interface GitInvocation {
  /** git configuration, handed over through GIT_CONFIG_* variables because `-c` arguments show in `ps`. */
  config: Readonly<Record<string, string>>;
  env: Readonly<Record<string, string>>;
  /** Values masked wherever they could appear in an error. */
  secrets: readonly string[];
  timeoutMs: number;
  /** The repository (work tree with `.git` inside) to run in; none for commands that only talk to the remote. */
  repo?: string;
}

// `git rev-parse --local-env-vars`: they bind a process to one repository (a git hook running the controller
// sets GIT_DIR and GIT_INDEX_FILE), so git itself drops them before working in another repository.
const REPOSITORY_LOCAL_ENV = new Set([
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_CONFIG",
  "GIT_CONFIG_PARAMETERS",
  "GIT_CONFIG_COUNT",
  "GIT_OBJECT_DIRECTORY",
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_IMPLICIT_WORK_TREE",
  "GIT_GRAFT_FILE",
  "GIT_INDEX_FILE",
  "GIT_NO_REPLACE_OBJECTS",
  "GIT_REPLACE_REF_BASE",
  "GIT_PREFIX",
  "GIT_INTERNAL_SUPER_PREFIX",
  "GIT_SHALLOW_FILE",
  "GIT_COMMON_DIR",
]);

const STDERR_LINES = 5;

/** The environment git runs with: the inherited one minus repository bindings, plus config, auth and no prompts. */
export function gitEnv(inherited: NodeJS.ProcessEnv, invocation: GitInvocation): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) {
    if (value !== undefined && !REPOSITORY_LOCAL_ENV.has(key)) env[key] = value;
  }
  const config = Object.entries(invocation.config);
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  env.GIT_CONFIG_COUNT = String(config.length);
  // A controller has nobody to answer a username or password prompt: fail instead of waiting.
  env.GIT_TERMINAL_PROMPT = "0";
  if (invocation.repo !== undefined) {
    env.GIT_DIR = path.join(invocation.repo, ".git");
    env.GIT_WORK_TREE = invocation.repo;
  }
  return { ...env, ...invocation.env };
}

/** Masks the secrets, and any URL's userinfo: git's own output can echo a URL, a redirect's included. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce(
    (out, secret) => (secret === "" ? out : out.replaceAll(secret, "[redacted]")),
    redactUserinfo(text),
  );
}

/** Runs git (no shell) and resolves with its stdout; any failure is a GitSourceError. */
export function runGit(args: readonly string[], invocation: GitInvocation): Promise<string> {
  const command = redact(["git", ...args].join(" "), invocation.secrets);
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd: invocation.repo,
        env: gitEnv(process.env, invocation),
        encoding: "utf8",
        // SIGTERM (the default), not SIGKILL: git then removes its lock files and stops its transport helpers.
        timeout: invocation.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const tail = redact(lastLines(stderr, STDERR_LINES), invocation.secrets);
        const outcome =
          typeof error.code === "number"
            ? `failed (exit ${error.code})`
            : typeof error.code === "string"
              ? `could not run (${redact(error.message, invocation.secrets)})`
              : error.killed
                ? `timed out after ${invocation.timeoutMs} ms`
                : `was terminated by ${error.signal ?? "a signal"}`;
        reject(new GitSourceError(`${command} ${outcome}${tail ? `: ${tail}` : ""}`, command, tail));
      },
    );
  });
}

function lastLines(text: string, count: number): string {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .slice(-count)
    .join("\n");
}
