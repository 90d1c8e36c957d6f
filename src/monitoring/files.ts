import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Monitoring } from "../specs/monitoring.js";
import { renderPrometheusConfig } from "./prometheus-config.js";
import { ruleFiles } from "./rules.js";

/** prometheus.yml and its rule files, by path relative to the delivery directory. */
export function prometheusFiles(monitoring: Monitoring, controllerUrl: string): Map<string, string> {
  return new Map([
    ["prometheus.yml", renderPrometheusConfig(monitoring, controllerUrl)],
    ...ruleFiles(monitoring),
  ]);
}

/**
 * Writes each file whose content differs from what is on disk and returns their relative paths
 * (in the map's order), so an unchanged pass touches nothing and a Prometheus watching the files sees no
 * reload. Each write goes to a hidden `.tmp` file first and is renamed over the old one: a
 * reader never sees half a file, and no glob for `*.yml` or `*.json` ever matches the temp file.
 */
export async function writeChangedFiles(
  directory: string,
  files: ReadonlyMap<string, string>,
): Promise<string[]> {
  const written: string[] = [];
  for (const [relative, content] of files) {
    const file = path.resolve(directory, relative);
    if (path.relative(path.resolve(directory), file).startsWith("..") || path.isAbsolute(relative)) {
      throw new Error(`${relative} is not a path inside ${directory}`);
    }
    if ((await readIfExists(file)) === content) continue;
    await mkdir(path.dirname(file), { recursive: true });
    const temp = path.join(
      path.dirname(file),
      `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`,
    );
    try {
      await writeFile(temp, content);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    written.push(relative);
  }
  return written;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
