import { type ChildProcess, execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import type { ControllerStatus } from "../../src/runtime/status.js";
import { freePort, spawnCli } from "../support/processes.js";

const run = promisify(execFile);
// A token pasted as the URL's user name, as GitHub and GitLab tokens commonly are.
const TOKEN = "ghp_SECRETTOKEN123";

let root: string;
let gitServer: Server;
let gitPort: number;
/** The Authorization header of every request the git server received. */
const authorizations: (string | undefined)[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ecsmesh-credential-"));
  // A real HTTPS git remote, so git authenticates for real: a certificate for 127.0.0.1 that git trusts.
  const key = path.join(root, "key.pem");
  const cert = path.join(root, "cert.pem");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  gitServer = createServer({ key: await readFile(key), cert: await readFile(cert) }, (request, response) => {
    authorizations.push(request.headers.authorization);
    // No repository here: git fails, and the failure flows into status, page and logs.
    response.writeHead(404).end("no such repository\n");
  });
  await new Promise<void>((resolve) => gitServer.listen(0, "127.0.0.1", resolve));
  gitPort = (gitServer.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => gitServer?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

async function runWith(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { out: (t) => (stdout += t), err: (t) => (stderr += t), color: false };
  const code = await main(argv, io, {});
  return { code, stdout, stderr };
}

function collect(child: ChildProcess): () => string {
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

describe("a credential in --source", () => {
  it("authenticates git through its environment and appears in no status, page, log, error or git argument", async () => {
    const port = await freePort();
    const trace = path.join(root, "git-trace.log");
    const child = spawnCli(
      [
        "run",
        "--source",
        `https://${TOKEN}@127.0.0.1:${gitPort}/mesh.git`,
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--poll",
        "1s",
        "--workdir",
        path.join(root, "work"),
      ],
      {
        env: {
          ...process.env,
          ECSMESH_GIT_TOKEN: "",
          ECSMESH_LOG_LEVEL: "debug",
          GIT_SSL_CAINFO: path.join(root, "cert.pem"),
          // Every process git starts, with its arguments: the HTTPS transport helper included.
          GIT_TRACE: trace,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const output = collect(child);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      // The first pass fails to fetch (status, page, log), and a poll after it fails to list (log).
      let status: ControllerStatus | undefined;
      const deadline = Date.now() + 60_000;
      while (!status?.recentErrors.length || !output().includes("could not poll the source")) {
        if (Date.now() > deadline) throw new Error(`no source error in time:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const response = await fetch(`http://127.0.0.1:${port}/status`).catch(() => undefined);
        if (response?.ok) status = (await response.json()) as ControllerStatus;
      }
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      const json = JSON.stringify(status);

      expect(status?.source.url).toBe(`https://127.0.0.1:${gitPort}/mesh.git`);
      expect(status?.source.error).toMatch(/git fetch .*https:\/\/127\.0\.0\.1:\d+\/mesh\.git/);
      expect(page).toContain(`https://127.0.0.1:${gitPort}/mesh.git`);
      for (const text of [json, page, output(), await readFile(trace, "utf8")]) {
        expect(text).not.toContain(TOKEN);
      }
      expect(await readFile(trace, "utf8")).toContain(
        `git-remote-https https://127.0.0.1:${gitPort}/mesh.git`,
      );
      // The controller's own command line cannot be rewritten: it says so, once.
      expect(output().match(/warning: --source holds a credential/g)).toHaveLength(1);
      // git sent the token as ECSMESH_GIT_TOKEN's would be, from its environment.
      const basic = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
      expect(authorizations.length).toBeGreaterThan(0);
      expect(authorizations.every((header) => header === basic)).toBe(true);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }, 90_000);

  it.each([
    [
      "an unsupported scheme",
      "ftp://bob:s3cr3t-pw@git.example.com/x.git",
      'unsupported URL "ftp://git.example.com/x.git"',
    ],
    ["an SSH password", "ssh://deploy:s3cr3t-pw@git.example.com/x.git", "holds an SSH password"],
  ])("is not echoed when run refuses %s at start-up", async (_, source, message) => {
    const { code, stderr } = await runWith(
      "run",
      "--source",
      source,
      "--workdir",
      path.join(root, "refused"),
    );

    expect(code).toBe(1);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain("s3cr3t-pw");
  });
});
