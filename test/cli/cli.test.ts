import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawEnvironment } from "../../src/cli/environment.js";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { type EmbeddedSandbox, startEmbeddedSandbox } from "../../src/sandbox/embedded.js";

async function runWith(env: RawEnvironment, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { out: (t) => (stdout += t), err: (t) => (stderr += t), color: false };
  const code = await main(argv, io, env);
  return { code, stdout, stderr };
}

const run = (...argv: string[]) => runWith({}, ...argv);

describe("ecsmesh validate", () => {
  it.each(["examples/hello-world", "examples/todo"])("accepts %s", async (dir) => {
    const { code, stdout, stderr } = await run("validate", dir);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/: valid \(Mesh /);
  });

  it("prints compiler-style errors and exits 1", async () => {
    const { code, stderr } = await run("validate", "test/fixtures/mixed-mistakes");
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^test\/fixtures\/mixed-mistakes\/services\.yaml:8:3: error: unknown field "replicas"/m,
    );
    expect(stderr).toMatch(/error\(s\); nothing is applied from an invalid set\n$/);
  });

  it("speaks JSON when asked", async () => {
    const { code, stdout } = await run("validate", "test/fixtures/mixed-mistakes", "--output", "json");
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { valid: boolean; diagnostics: { file: string; line: number }[] };
    expect(report.valid).toBe(false);
    expect(report.diagnostics.length).toBeGreaterThanOrEqual(12);
    expect(report.diagnostics.every((d) => d.file.startsWith("test/fixtures/mixed-mistakes/"))).toBe(true);
  });

  it("exits 64 on bad usage", async () => {
    expect((await run("validate")).code).toBe(64);
    expect((await run("frobnicate")).code).toBe(64);
    expect((await run("validate", "x", "--output", "xml")).code).toBe(64);
  });
});

describe("ecsmesh explain", () => {
  it("shows the 90/10 canary split and the Services behind it", async () => {
    const { code, stdout } = await run("explain", "examples/hello-world", "/svc/world");
    expect(code).toBe(0);
    expect(stdout).toContain("Route world-canary");
    expect(stdout).toMatch(/ 90\.0% {2}\/#\/io\.l5d\.consul\/dc1\/world {2}<- Service world\n/);
    expect(stdout).toMatch(/ 10\.0% {2}\/#\/io\.l5d\.consul\/dc1\/world-v2 {2}<- Service world-v2\n/);
  });

  it("lets an l5d-dtab header override win, falling back to the base rule", async () => {
    const { code, stdout } = await run(
      "explain",
      "examples/hello-world",
      "/svc/world",
      "--dtab",
      "/svc/world => /svc/world-v2",
    );
    expect(code).toBe(0);
    expect(stdout).toContain("(l5d-dtab header)");
    expect(stdout).toContain("(Mesh base dtab)");
    expect(stdout).toMatch(/100\.0% {2}\/#\/io\.l5d\.consul\/dc1\/world-v2 {2}<- Service world-v2\n/);
    expect(stdout).not.toMatch(/% {2}\/#\/io\.l5d\.consul\/dc1\/world {2}/);
  });

  it("warns about a destination no managed Service backs", async () => {
    const { stdout } = await run("explain", "examples/hello-world", "/svc/nobody", "--output", "json");
    const report = JSON.parse(stdout) as {
      destinations: { path: string; share: number }[];
      warnings: string[];
    };
    expect(report.destinations).toEqual([{ path: "/#/io.l5d.consul/dc1/nobody", share: 1 }]);
    expect(report.warnings).toEqual([
      '/#/io.l5d.consul/dc1/nobody: no managed Service registers "nobody" in Consul datacenter dc1',
    ]);
  });

  it("rejects an invalid header dtab as a usage error", async () => {
    const { code, stderr } = await run(
      "explain",
      "examples/hello-world",
      "/svc/world",
      "--dtab",
      "/svc/world =>",
    );
    expect(code).toBe(64);
    expect(stderr).toMatch(/^ecsmesh: --dtab: /);
  });
});

describe("ecsmesh schemas", () => {
  it("committed JSON Schemas match the zod schemas", async () => {
    const { code, stderr } = await run("schemas", "--check", "schemas");
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("--check fails on a directory that is out of date", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecsmesh-schemas-"));
    const { code, stderr } = await run("schemas", "--check", dir);
    expect(code).toBe(1);
    expect(stderr).toContain("run: npm run schemas");
  });
});

describe("per-command flags", () => {
  let sandbox: EmbeddedSandbox;
  const saved = { ...process.env };
  beforeAll(async () => {
    sandbox = await startEmbeddedSandbox({ clusters: ["l5d-demo"], environment: {} });
    // The AWS SDK reads its endpoints from the process environment, not from main's.
    Object.assign(process.env, sandbox.env);
  });
  afterAll(async () => {
    process.env = saved;
    await sandbox?.close();
  });
  const calls = () => (sandbox.ecs?.calls.total() ?? 0) + (sandbox.consul?.calls.total() ?? 0);

  it("rejects another command's flag before anything runs, naming the command's own flags", async () => {
    const { code, stdout, stderr } = await runWith(sandbox.env, "apply", "examples/hello-world", "--dry-run");
    expect(code).toBe(64);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^ecsmesh: unknown option '--dry-run'/);
    expect(stderr).toContain("Usage: ecsmesh apply [options] <dir>");
    for (const flag of ["--wait", "--timeout", "--output", "--inventory", "--allow-mass-prune", "--adopt"])
      expect(stderr).toContain(flag);
    expect(calls()).toBe(0);
  });

  it("rejects run's --port on plan", async () => {
    const { code, stderr } = await runWith(sandbox.env, "plan", "examples/hello-world", "--port", "1");
    expect(code).toBe(64);
    expect(stderr).toMatch(/^ecsmesh: unknown option '--port'/);
    expect(calls()).toBe(0);
  });

  it.each([
    [["explain", "examples/hello-world"], /missing required argument 'path'/],
    [["apply", "examples/hello-world", "--timeout", "soon"], /--timeout takes a duration such as 30s or 10m/],
    [
      ["run", "--source", "repo", "--port", "70000"],
      /--port <port>. argument .70000. is invalid\. a port is 0\.\.65535/,
    ],
    [["run", "--source", "repo", "--interval", "often"], /--interval takes a duration/],
    [["run"], /required option '--source <url\|path>' not specified/],
    [["plan", "examples/hello-world", "--output", "yaml"], /'yaml' is invalid.*text, json/],
    [["schemas", "--write", "a", "--check", "b"], /give one of --write DIR or --check DIR/],
    [["validate", "a", "b"], /too many arguments for 'validate'/],
  ])("%j is a usage error", async (argv, message) => {
    const { code, stderr } = await runWith(sandbox.env, ...argv);
    expect(code).toBe(64);
    expect(stderr).toMatch(message);
    expect(calls()).toBe(0);
  });
});

describe("help and version", () => {
  it("prints a command's own help for --help and exits 0", async () => {
    const { code, stdout, stderr } = await run("validate", "--help");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: ecsmesh validate \[options\] <dir>\n/);
    expect(stdout).toContain("-o, --output <format>");
    expect(stdout).not.toContain("--wait");
    expect(await run("help", "validate")).toEqual({ code: 0, stdout, stderr: "" });
  });

  it("describes run's --host: where the status port listens, every interface by default", async () => {
    const { code, stdout } = await run("run", "--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/--host <address>\s+the address the status port listens on/);
    expect(stdout).toMatch(/\(default:\s+"0\.0\.0\.0"\)/);
    expect(stdout).toMatch(/every\s+interface/);
  });

  it("lists every command for help, and with no command at all", async () => {
    const { code, stdout } = await run("help");
    expect(code).toBe(0);
    for (const command of [
      "validate",
      "explain",
      "plan",
      "apply",
      "run",
      "bootstrap",
      "sandbox",
      "start",
      "schemas",
    ])
      expect(stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(stdout).toContain("CONSUL_HTTP_ADDR");
    expect(stdout).toContain("ECSMESH_STATUS_TOKEN");
    expect(await run()).toEqual({ code: 0, stdout, stderr: "" });
  });

  it.each(["--version", "-V"])("%s prints package.json's version", async (flag) => {
    const { version } = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    expect(await run(flag)).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });
});
