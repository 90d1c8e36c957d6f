import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { writeChangedFiles } from "../../src/controllers/monitoring/files.js";
import { prometheusFiles } from "../../src/monitoring/prometheus-config.js";
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

  it("refuses an alert whose PromQL does not parse, so the checks above are real", async () => {
    const dir = await generated(
      "apiVersion: ecsmesh.io/v1alpha1\nkind: Monitoring\nmetadata: {name: m}\nspec:\n  prometheus:\n    alerts: [{name: Broken, expr: 'sum(rate(up[5m])', summary: broken}]\n",
    );
    await expect(
      run(PROMTOOL, ["check", "rules", path.join(dir, "rules", "alerts.yml")]),
    ).rejects.toMatchObject({
      code: 1,
    });
  });
});
