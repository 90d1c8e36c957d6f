import path from "node:path";
import { GitSourceError } from "./git-command.js";
import { redactUserinfo } from "./redact.js";

export interface GitAuth {
  /** An HTTPS token (or password), sent as HTTP Basic `<httpsUsername>:<httpsToken>`. */
  httpsToken?: string;
  /** Default `x-access-token`, which GitHub, GitLab and Bitbucket accept with any token. */
  httpsUsername?: string;
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

/** A source URL split once, where it enters the program, into what may be shown and what authenticates. */
export interface GitSourceUrl {
  /** Without a credential (an SSH user name is none, and stays): the only form shown, logged or given to git. */
  readonly url: string;
  /** The given auth, plus the credential the URL held. */
  readonly auth: GitAuth;
  /** Whether the URL held a credential: the process's own arguments still show it. */
  readonly credentialInUrl: boolean;
}

type Transport = "https" | "http" | "ssh" | "file";

const SCHEMES = new Set<string>(["https", "http", "ssh", "file"]);

/**
 * Checks a source URL (https://, http://, ssh://, git@host:path, file:// or a local path) against its
 * auth and splits off its userinfo, which is a secret: `https://TOKEN@host/...` (how GitHub and GitLab
 * tokens are pasted) becomes the token, `https://user:password@host/...` a user name and password,
 * both sent the way auth.httpsToken is. An SSH password is refused: ssh runs in batch mode and takes keys.
 */
export function parseSourceUrl(raw: string, auth: GitAuth = {}): GitSourceUrl {
  const transport = transportOf(raw);
  if ((auth.sshKeyFile !== undefined || auth.knownHostsFile !== undefined) && transport !== "ssh") {
    throw new GitSourceError("auth.sshKeyFile and auth.knownHostsFile need an SSH URL");
  }
  const source =
    transport === "https" || transport === "http"
      ? splitHttpCredential(raw, auth)
      : { url: refuseSshPassword(raw, transport), auth, credentialInUrl: false };
  if (source.auth.httpsToken !== undefined && transport !== "https") {
    throw new GitSourceError(
      transport === "http"
        ? "credentials need an https:// URL (they must not travel in clear text)"
        : "auth.httpsToken needs an https:// URL",
    );
  }
  return source;
}

/**
 * Resolves a source URL and its auth into what git runs with. Credentials never travel in process
 * arguments: a token, or one split off the URL, becomes an Authorization header in git's config environment.
 */
export function gitRemote(url: string, auth: GitAuth = {}): GitRemote {
  const source = parseSourceUrl(url, auth);
  switch (transportOf(source.url)) {
    case "https":
    case "http":
      return httpRemote(source.url, source.auth);
    case "ssh":
      return sshRemote(source.url, source.auth);
    case "file":
      return { url: source.url, config: {}, env: {}, secrets: [] };
    default:
      // git runs inside the work directory, so a relative path must be made absolute first.
      return { url: path.resolve(source.url), config: {}, env: {}, secrets: [] };
  }
}

function transportOf(url: string): Transport | "local" {
  // `<scheme>://` names a transport, and so does `<helper>::<address>` (ext:: would run any command).
  const scheme = /^([a-z][a-z0-9+.-]*)(?::\/\/|::)/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!SCHEMES.has(scheme) || url.startsWith(`${scheme}::`)) {
      throw new GitSourceError(
        `unsupported URL "${redactUserinfo(url)}" (use https://, ssh://, git@host:path, file:// or a local path)`,
      );
    }
    return scheme as Transport;
  }
  // git's own rule: a colon before the first slash makes it scp-like SSH (git@github.com:org/repo.git).
  return /^[^/]*:/.test(url) ? "ssh" : "local";
}

function splitHttpCredential(raw: string, auth: GitAuth): GitSourceUrl {
  const parsed = parseUrl(raw);
  if (parsed.username === "" && parsed.password === "") return { url: raw, auth, credentialInUrl: false };
  if (auth.httpsToken !== undefined) {
    throw new GitSourceError("give the token either in auth.httpsToken or in the URL, not both");
  }
  const username = decode(parsed.username);
  const password = decode(parsed.password);
  const credential: GitAuth =
    password === "" ? { httpsToken: username } : { httpsUsername: username, httpsToken: password };
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.href, auth: { ...auth, ...credential }, credentialInUrl: true };
}

/** The URL itself: a file URL or local path has no credential, and an SSH user name is none. */
function refuseSshPassword(raw: string, transport: Transport | "local"): string {
  // ssh://user:password@host/... or scp-like user:password@host:path: a colon before the first `@`.
  if (transport === "ssh" && /^(ssh:\/\/)?[^/@]*:[^/@]*@/i.test(raw)) {
    // Not echoing the URL: the scp-like form is no URL that redactUserinfo recognises.
    throw new GitSourceError(
      "the source URL holds an SSH password, which is not supported (ssh runs in batch mode): " +
        "remove it and give a key in auth.sshKeyFile",
    );
  }
  return raw;
}

function httpRemote(url: string, auth: GitAuth): GitRemote {
  if (auth.httpsToken === undefined) return { url, config: {}, env: {}, secrets: [] };
  const basic = Buffer.from(`${auth.httpsUsername ?? "x-access-token"}:${auth.httpsToken}`).toString(
    "base64",
  );
  return {
    url,
    config: { "http.extraHeader": `Authorization: Basic ${basic}` },
    env: {},
    secrets: [auth.httpsToken, basic],
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
