import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AT_SCALE, writeValidateFixture } from "../../bench/validate-fixture.js";
import { loadManifestDir } from "../../src/compile/load.js";

// The bound is 2 s on a quiet machine (bench/validate.mts measures it); this generous one
// only catches a return to a dtab scan per lookup, quadratic: some 10^9 prefix matches on this set.
const GENEROUS_MS = 10_000;

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ecsmesh-scale-"));
  await writeValidateFixture(dir, AT_SCALE);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it("validates 3,000 Services, a 10,000-dentry base dtab and 300 Routes in bounded time", async () => {
  const start = performance.now();
  const result = await loadManifestDir(dir);
  const elapsed = performance.now() - start;
  expect(result.ok ? [] : result.diagnostics).toEqual([]);
  expect(elapsed).toBeLessThan(GENEROUS_MS);
}, 30_000);
