import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifestDir } from "../../src/compile/load.js";
import { formatDiagnostic } from "../../src/specs/diagnostic.js";

/**
 * The bad-input corpus: every folder under test/fixtures/bad is one manifest set a careless or
 * hostile user could commit. Each must be rejected whole, every error positioned (file:line:col),
 * and its `expected` file lists substrings (one a line) that must each appear in one formatted
 * diagnostic, with paths relative to the set's folder.
 */
const CORPUS = path.join(import.meta.dirname, "../fixtures/bad");
const sets = readdirSync(CORPUS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("the bad-input corpus", () => {
  it("holds at least a hundred sets", () => {
    expect(sets.length).toBeGreaterThanOrEqual(100);
  });

  it.each(sets)("%s is rejected with positioned errors", async (name) => {
    const dir = path.join(CORPUS, name);
    const expected = readFileSync(path.join(dir, "expected"), "utf8")
      .split("\n")
      .map((line) => line.trimEnd())
      .filter((line) => line !== "");
    const loaded = await loadManifestDir(dir);
    expect(loaded.ok, `${name} was accepted`).toBe(false);
    if (loaded.ok) return;
    const errors = loaded.diagnostics.filter((d) => d.severity === "error");
    const shown = errors.map((d) => formatDiagnostic({ ...d, file: path.relative(dir, d.file) }));
    for (const text of expected) {
      expect(
        shown.some((line) => line.includes(text)),
        `no error contains ${JSON.stringify(text)}:\n${shown.join("\n")}`,
      ).toBe(true);
    }
    // Each error points into a file (a set-wide problem names the file or folder, line 0 allowed only then).
    for (const d of errors) expect(d.file, formatDiagnostic(d)).not.toBe("");
  });
});
