import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions as the builder reads them: continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

/** Instructions per build stage, split at each FROM. */
function stages(all: readonly Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const instruction of all) {
    if (instruction.keyword === "FROM") out.push([]);
    out.at(-1)?.push(instruction);
  }
  return out;
}

let all: Instruction[];
let final: Instruction[];
const args = (stage: readonly Instruction[], keyword: string) =>
  stage.filter((i) => i.keyword === keyword).map((i) => i.args);

beforeAll(async () => {
  all = instructions(await readFile("Dockerfile", "utf8"));
  final = stages(all).at(-1) ?? [];
});

describe("Dockerfile", () => {
  it("builds in one Node 24 slim stage and runs in another, both on the same exact release", async () => {
    const from = args(all, "FROM");
    expect(from.length).toBeGreaterThanOrEqual(2);
    // The one global ARG before the first FROM names the base image for every stage.
    const [baseArg = ""] = args(
      all.slice(
        0,
        all.findIndex((i) => i.keyword === "FROM"),
      ),
      "ARG",
    );
    const [name, image = ""] = baseArg.split("=");
    for (const stageImage of from) expect(stageImage.split(/\s+/)[0]).toBe(`\${${name}}`);
    // x.y.z, not a moving `24-...` tag.
    expect(image).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    // Why there is no @sha256 digest, and how to add one.
    const text = await readFile("Dockerfile", "utf8");
    expect(text).toMatch(/# .*digest .*@sha256/);
    expect(text).toContain("docker buildx imagetools inspect");
    const build = stages(all)[0] ?? [];
    expect(args(build, "RUN").join("\n")).toMatch(/npm ci\b/);
    expect(args(build, "RUN").join("\n")).toContain("npm run build");
    expect(args(final, "COPY")).toContain("--from=build /src/dist ./dist");
  });

  it("installs production dependencies only, and git, ssh and CA certificates without recommends", () => {
    const run = args(final, "RUN").join("\n");
    expect(run).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(run).not.toContain("npm run build");
    const install = args(final, "RUN").find((r) => r.includes("apt-get install")) ?? "";
    expect(install).toContain("--no-install-recommends");
    for (const pkg of ["git", "openssh-client", "ca-certificates"])
      expect(install.split(/\s+/)).toContain(pkg);
    expect(install).toContain("rm -rf /var/lib/apt/lists/*");
  });

  it("runs the CLI as uid 10001, exposes 8080 and checks /healthz with node", () => {
    const user = args(final, "USER").at(-1) ?? "root";
    expect(user.split(":")[0]).toBe("10001");
    expect(args(final, "ENTRYPOINT")).toEqual(['["node", "/app/bin/ecsmesh.js"]']);
    expect(args(final, "CMD")).toHaveLength(1);
    expect(args(final, "EXPOSE")).toEqual(["8080"]);
    expect(args(final, "STOPSIGNAL")).toEqual(["SIGTERM"]);
    const healthcheck = args(final, "HEALTHCHECK").join(" ");
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*http:\/\/127\.0\.0\.1:8080\/healthz.*"\]$/);
    expect(healthcheck).not.toMatch(/curl|wget/);
  });

  it("puts no secrets in ENV or ARG", () => {
    const variables = [...args(all, "ENV"), ...args(all, "ARG")];
    expect(variables.length).toBeGreaterThan(0);
    for (const variable of variables) expect(variable).not.toMatch(/TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL/i);
  });
});

describe(".dockerignore", () => {
  it("lets in exactly what the Dockerfile copies from the context, and no .git or node_modules", async () => {
    const lines = (await readFile(".dockerignore", "utf8"))
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(lines[0]).toBe("*");
    const allowed = lines.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""));
    const copied = all
      .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(new Set(copied)).toEqual(new Set(allowed));
    for (const source of copied) expect(existsSync(source), source).toBe(true);
  });
});
