import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prometheusFiles, writeChangedFiles } from "../../src/monitoring/files.js";
import { renderPrometheusConfig } from "../../src/monitoring/prometheus-config.js";
import { demoSet, monitoringOf } from "./support.js";
import { tempDir } from "./temp-dir.js";

const monitoring = monitoringOf(demoSet());

describe("monitoring files", () => {
  it("are prometheus.yml and its rule files", () => {
    const files = prometheusFiles(monitoring, "http://ecsmesh:8080");
    expect([...files.keys()]).toEqual(["prometheus.yml", "rules/linkerd.yml", "rules/alerts.yml"]);
    expect(files.get("prometheus.yml")).toBe(renderPrometheusConfig(monitoring, "http://ecsmesh:8080"));
  });

  it("are written only when their content changed, leaving no temp files behind", async () => {
    const dir = path.join(await tempDir(), "out");
    const files = prometheusFiles(monitoring, "http://ecsmesh:8080");
    expect(await writeChangedFiles(dir, files)).toEqual([...files.keys()]);
    expect(await readFile(path.join(dir, "rules/linkerd.yml"), "utf8")).toBe(files.get("rules/linkerd.yml"));
    expect(await writeChangedFiles(dir, files)).toEqual([]);

    await writeFile(path.join(dir, "rules/alerts.yml"), "edited by hand\n");
    const moved = prometheusFiles(monitoring, "http://ecsmesh-2:8080");
    expect(await writeChangedFiles(dir, moved)).toEqual(["prometheus.yml", "rules/alerts.yml"]);
    expect(await readFile(path.join(dir, "prometheus.yml"), "utf8")).toBe(moved.get("prometheus.yml"));
    expect((await readdir(dir)).sort()).toEqual(["prometheus.yml", "rules"]);
    expect((await readdir(path.join(dir, "rules"))).sort()).toEqual(["alerts.yml", "linkerd.yml"]);
  });

  it("refuses a path that leaves the directory", async () => {
    const dir = await tempDir();
    await expect(writeChangedFiles(dir, new Map([["../escape.yml", "x"]]))).rejects.toThrow(
      /not a path inside/,
    );
    await expect(writeChangedFiles(dir, new Map([["/etc/escape.yml", "x"]]))).rejects.toThrow(
      /not a path inside/,
    );
  });
});
