import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { out: (t) => (stdout += t), err: (t) => (stderr += t), color: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

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
