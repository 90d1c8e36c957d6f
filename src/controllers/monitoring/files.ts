import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
/**
 * Writes each file whose content differs from what is on disk and returns their relative paths
 * (in the map's order), so an unchanged pass touches nothing and a Prometheus watching the files sees no
 * reload. Each write goes to a hidden `.tmp` file first and is renamed over the old one: a
 * reader never sees half a file, and no glob for `*.yml` or `*.json` ever matches the temp file.
 *
 * Every file stays under `root` (the controller's workdir) whatever `directory` says: validation
 * already refuses an escaping `delivery.directory`, and this is the second line. The rename
 * replaces a symlinked file rather than writing through it, and no symlinked directory (say, one
 * committed to the git checkout kept under the workdir) leads a write out of `root`.
 */
export async function writeChangedFiles(
  root: string,
  directory: string,
  files: ReadonlyMap<string, string>,
): Promise<string[]> {
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  const written: string[] = [];
  for (const [relative, content] of files) {
    if (escapes(directory) || escapes(relative)) {
      throw new Error(`${relative} in ${directory} is not a path inside ${root}`);
    }
    const file = path.join(directory, relative);
    const target = path.join(await confinedDirectory(realRoot, path.dirname(file)), path.basename(file));
    if ((await readIfExists(target)) === content) continue;
    const temp = path.join(
      path.dirname(target),
      `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`,
    );
    try {
      await writeFile(temp, content, { flag: "wx" });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    written.push(relative);
  }
  return written;
}

/** Whether a relative path leaves its base: absolute, or `..` first once normalised. */
function escapes(relative: string): boolean {
  const normalised = path.normalize(relative);
  return path.isAbsolute(normalised) || normalised === ".." || normalised.startsWith(`..${path.sep}`);
}

/**
 * Creates `relative` under `realRoot` one directory at a time and returns its real path,
 * refusing as soon as a step's real path (a symlink resolved) lies outside `realRoot`, before
 * anything is created out there.
 */
async function confinedDirectory(realRoot: string, relative: string): Promise<string> {
  let current = realRoot;
  for (const segment of relative.split(path.sep).filter((s) => s !== "" && s !== ".")) {
    const next = path.join(current, segment);
    await mkdir(next).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    current = await realpath(next);
    if (escapes(path.relative(realRoot, current))) {
      throw new Error(`${relative} leads outside ${realRoot} through the symlink ${next}`);
    }
  }
  return current;
}

/** The file's text; undefined when it is missing or a symlink (which the rename then replaces). */
async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, { encoding: "utf8", flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  } catch (error) {
    if (["ENOENT", "ELOOP"].includes((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw error;
  }
}
