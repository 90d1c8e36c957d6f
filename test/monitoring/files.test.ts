import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeChangedFiles } from "../../src/controllers/monitoring/files.js";
import { prometheusFiles, renderPrometheusConfig } from "../../src/monitoring/prometheus-config.js";
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
    const root = await tempDir();
    const dir = path.join(root, "out");
    const files = prometheusFiles(monitoring, "http://ecsmesh:8080");
    expect(await writeChangedFiles(root, "out", files)).toEqual([...files.keys()]);
    expect(await readFile(path.join(dir, "rules/linkerd.yml"), "utf8")).toBe(files.get("rules/linkerd.yml"));
    expect(await writeChangedFiles(root, "out", files)).toEqual([]);

    await writeFile(path.join(dir, "rules/alerts.yml"), "edited by hand\n");
    const moved = prometheusFiles(monitoring, "http://ecsmesh-2:8080");
    expect(await writeChangedFiles(root, "out", moved)).toEqual(["prometheus.yml", "rules/alerts.yml"]);
    expect(await readFile(path.join(dir, "prometheus.yml"), "utf8")).toBe(moved.get("prometheus.yml"));
    expect((await readdir(dir)).sort()).toEqual(["prometheus.yml", "rules"]);
    expect((await readdir(path.join(dir, "rules"))).sort()).toEqual(["alerts.yml", "linkerd.yml"]);
  });

  it("refuses a path that leaves the directory", async () => {
    const root = await tempDir();
    await expect(writeChangedFiles(root, ".", new Map([["../escape.yml", "x"]]))).rejects.toThrow(
      /not a path inside/,
    );
    await expect(writeChangedFiles(root, ".", new Map([["/etc/escape.yml", "x"]]))).rejects.toThrow(
      /not a path inside/,
    );
  });

  it("refuses a delivery directory outside the workdir even when validation was bypassed", async () => {
    const parent = await tempDir();
    const root = path.join(parent, "workdir");
    const files = new Map([["prometheus.yml", "x"]]);
    for (const directory of ["../outside", "out/../../outside", path.join(parent, "outside")]) {
      await expect(writeChangedFiles(root, directory, files), directory).rejects.toThrow(/not a path inside/);
    }
    expect(await readdir(parent)).toEqual(["workdir"]);
  });

  it("does not follow a symlinked directory out of the workdir", async () => {
    const parent = await tempDir();
    const root = path.join(parent, "workdir");
    const outside = path.join(parent, "outside");
    await mkdir(path.join(root, "source"), { recursive: true });
    await mkdir(outside);
    // e.g. a symlink committed to the git checkout the controller keeps under its workdir
    await symlink(outside, path.join(root, "source", "monitoring"));
    const files = prometheusFiles(monitoring, "http://ecsmesh:8080");
    await expect(writeChangedFiles(root, "source/monitoring", files)).rejects.toThrow(/leads outside/);
    await expect(
      writeChangedFiles(root, "source", new Map([["monitoring/rules/x.yml", "x"]])),
    ).rejects.toThrow(/leads outside/);
    expect(await readdir(outside)).toEqual([]);

    // A symlink that stays inside the workdir is followed like a directory.
    await mkdir(path.join(root, "real"));
    await symlink(path.join(root, "real"), path.join(root, "linked"));
    expect(await writeChangedFiles(root, "linked", new Map([["prometheus.yml", "x"]]))).toEqual([
      "prometheus.yml",
    ]);
    expect(await readFile(path.join(root, "real", "prometheus.yml"), "utf8")).toBe("x");
  });

  it("replaces a file that is a symlink instead of writing through it", async () => {
    const parent = await tempDir();
    const root = path.join(parent, "workdir");
    const outsideFile = path.join(parent, "passwd");
    await mkdir(root);
    await writeFile(outsideFile, "root:x:0:0\n");
    await symlink(outsideFile, path.join(root, "prometheus.yml"));
    expect(await writeChangedFiles(root, ".", new Map([["prometheus.yml", "root:x:0:0\n"]]))).toEqual([
      "prometheus.yml",
    ]);
    expect(await readFile(outsideFile, "utf8")).toBe("root:x:0:0\n");
    await writeChangedFiles(root, ".", new Map([["prometheus.yml", "changed"]]));
    expect(await readFile(outsideFile, "utf8")).toBe("root:x:0:0\n");
    expect(await readFile(path.join(root, "prometheus.yml"), "utf8")).toBe("changed");
  });
});
