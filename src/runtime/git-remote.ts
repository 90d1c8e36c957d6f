import path from "node:path";
import { GitSourceError } from "./git-command.js";

export interface GitAuth {
  /** Sent as HTTP Basic `x-access-token:<token>`, which GitHub, GitLab and Bitbucket accept. */
  httpsToken?: string;
  sshKeyFile?: string;
  /** Required for SSH: hosts not listed in it are refused. */
  knownHostsFile?: string;
}

/** How git reaches a remote: a URL that is safe to pass as an argument, and what authenticates it. */
export interface GitRemote {
  url: string;
  config: Record<string, string>;
  env: Record<string, string>;
  secrets: string[];
}

type Transport = "https" | "http" | "ssh" | "file";

const SCHEMES = new Set<string>(["https", "http", "ssh", "file"]);

/**
 * Resolves a source URL (https://, http://, ssh://, git@host:path, file:// or a local path) and its auth.
 * Credentials never travel in process arguments: a token, or a password written into an https URL,
 * becomes an Authorization header in git's config environment.
 */
export function gitRemote(url: string, auth: GitAuth = {}): GitRemote {
  const transport = transportOf(url);
  if (auth.httpsToken !== undefined && transport !== "https" && transport !== "http") {
    throw new GitSourceError("auth.httpsToken needs an https:// URL");
  }
  if ((auth.sshKeyFile !== undefined || auth.knownHostsFile !== undefined) && transport !== "ssh") {
    throw new GitSourceError("auth.sshKeyFile and auth.knownHostsFile need an SSH URL");
  }
  switch (transport) {
    case "https":
    case "http":
      return httpRemote(url, auth.httpsToken);
    case "ssh":
      return sshRemote(url, auth);
    case "file":
      return { url, config: {}, env: {}, secrets: [] };
    default:
      // git runs inside the work directory, so a relative path must be made absolute first.
      return { url: path.resolve(url), config: {}, env: {}, secrets: [] };
  }
}

function transportOf(url: string): Transport | "local" {
  // `<scheme>://` names a transport, and so does `<helper>::<address>` (ext:: would run any command).
  const scheme = /^([a-z][a-z0-9+.-]*)(?::\/\/|::)/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!SCHEMES.has(scheme) || url.startsWith(`${scheme}::`)) {
      throw new GitSourceError(
        `unsupported URL "${url}" (use https://, ssh://, git@host:path, file:// or a local path)`,
      );
    }
    return scheme as Transport;
  }
  // git's own rule: a colon before the first slash makes it scp-like SSH (git@github.com:org/repo.git).
  return /^[^/]*:/.test(url) ? "ssh" : "local";
}

function httpRemote(url: string, token: string | undefined): GitRemote {
  const parsed = parseUrl(url);
  const password = decode(parsed.password);
  if (password === "" && token === undefined) return { url, config: {}, env: {}, secrets: [] };
  if (parsed.protocol !== "https:") {
    throw new GitSourceError("credentials need an https:// URL (they must not travel in clear text)");
  }
  if (password !== "" && token !== undefined) {
    throw new GitSourceError("give the token either in auth.httpsToken or in the URL, not both");
  }
  const username = token === undefined ? decode(parsed.username) : "x-access-token";
  const secret = token ?? password;
  const basic = Buffer.from(`${username}:${secret}`).toString("base64");
  // Masked as written in the URL too, percent-encoding and all.
  const secrets = [secret, parsed.password, basic];
  parsed.username = "";
  parsed.password = "";
  return {
    url: parsed.href,
    config: { "http.extraHeader": `Authorization: Basic ${basic}` },
    env: {},
    secrets,
  };
}

// Neither message may echo the URL: it can hold a password.
function parseUrl(url: string): URL {
  if (!URL.canParse(url)) throw new GitSourceError("the source URL is not a valid URL");
  return new URL(url);
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    throw new GitSourceError("the source URL has invalid percent-encoding in its credentials");
  }
}

function sshRemote(url: string, auth: GitAuth): GitRemote {
  // Trusting whatever host answers would hand the key, and the manifests, to anyone on the path.
  if (auth.knownHostsFile === undefined) {
    throw new GitSourceError(`SSH needs auth.knownHostsFile: unknown host keys are never trusted (${url})`);
  }
  const knownHosts = sshPath(auth.knownHostsFile);
  const options = [
    "ssh",
    "-o BatchMode=yes",
    "-o StrictHostKeyChecking=yes",
    // ssh splits this option's value on spaces unless it is double-quoted.
    `-o ${shellQuote(`UserKnownHostsFile="${knownHosts}"`)}`,
  ];
  if (auth.sshKeyFile !== undefined) {
    options.push(`-i ${shellQuote(sshPath(auth.sshKeyFile))}`, "-o IdentitiesOnly=yes");
  }
  return { url, config: {}, env: { GIT_SSH_COMMAND: options.join(" ") }, secrets: [] };
}

/** An absolute file path for ssh, which would expand `%` tokens in it and cannot take a `"`. */
function sshPath(file: string): string {
  if (/[%"\n]/.test(file))
    throw new GitSourceError(`SSH file paths may not contain %, " or newlines: ${file}`);
  return path.resolve(file);
}

// git runs GIT_SSH_COMMAND through the shell, so each piece is single-quoted.
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
