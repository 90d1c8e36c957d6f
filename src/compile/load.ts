import * as loader from "../specs/loader.js";
import { compiledChecks } from "./checks.js";

/** The loader's `loadManifestDir` with the checks that need compiled facts: what every command loads with. */
export function loadManifestDir(
  dir: string,
  limits: loader.LoadLimits = loader.DEFAULT_LIMITS,
): Promise<loader.LoadResult> {
  return loader.loadManifestDir(dir, compiledChecks, limits);
}

/** The loader's `loadManifests` with the checks that need compiled facts. */
export function loadManifests(files: readonly loader.ManifestFile[]): loader.LoadResult {
  return loader.loadManifests(files, compiledChecks);
}
