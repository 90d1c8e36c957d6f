import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { writeChangedFiles } from "../../src/controllers/monitoring/files.js";
import { prometheusFiles } from "../../src/monitoring/prometheus-config.js";
import { promqlErrorOffset } from "../../src/specs/prometheus-text.js";
import { demoSet, monitoringOf, PROMTOOL } from "./support.js";
import { tempDir } from "./temp-dir.js";

const run = promisify(execFile);

/** Writes the generated files for a Monitoring manifest and returns where. */
async function generated(monitoringYaml?: string): Promise<string> {
  const dir = await tempDir();
  await writeChangedFiles(
    dir,
    ".",
    prometheusFiles(monitoringOf(demoSet(monitoringYaml)), "http://ecsmesh:8080"),
  );
  return dir;
}

describe("promtool", () => {
  it("accepts the generated prometheus.yml with its rule files in place", async () => {
    const dir = await generated();
    const { stdout } = await run(PROMTOOL, ["check", "config", path.join(dir, "prometheus.yml")]);
    expect(stdout).toContain("2 rule files found");
    expect(stdout).toContain("is valid prometheus config file syntax");
  });

  it("accepts the generated rule files", async () => {
    const dir = await generated();
    const files = ["linkerd.yml", "alerts.yml"].map((file) => path.join(dir, "rules", file));
    const { stdout } = await run(PROMTOOL, ["check", "rules", ...files]);
    expect(stdout).toContain("SUCCESS: 12 rules found");
    expect(stdout).toContain("SUCCESS: 2 rules found");
  });

  it("refuses PromQL the loader's parser refuses, so both checks are real", async () => {
    // The loader refuses this manifest before anything is rendered (test/fixtures/bad/promql-*);
    // promtool, given the same expression in a rule file, agrees.
    const expr = "sum(rate(up[5m])";
    expect(promqlErrorOffset(expr)).toBe(expr.length);
    const dir = await tempDir();
    const rules = path.join(dir, "alerts.yml");
    await writeFile(
      rules,
      `groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: '${expr}'\n`,
    );
    await expect(run(PROMTOOL, ["check", "rules", rules])).rejects.toMatchObject({ code: 1 });
  });
});
