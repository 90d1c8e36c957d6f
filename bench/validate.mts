// `npx tsx bench/validate.mts`: `ecsmesh validate` on 3,000 Services, a 10,000-dentry base dtab
// and 300 canary Routes (bench/validate-fixture.ts), run as the CLI runs it, from dist/ (so run
// `npm run build` first). Prints the wall time of each run and the best; the bound is 2 s.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AT_SCALE, writeValidateFixture } from "./validate-fixture.js";

const RUNS = 3;
const bin = path.join(import.meta.dirname, "../bin/ecsmesh.js");
const dir = await mkdtemp(path.join(tmpdir(), "ecsmesh-validate-"));
try {
  await writeValidateFixture(dir, AT_SCALE);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const out = execFileSync(process.execPath, [bin, "validate", dir], { encoding: "utf8" });
    times.push(performance.now() - start);
    console.log(`run ${run + 1}: ${Math.round(times[run] ?? 0)} ms  ${out.trim()}`);
  }
  console.log(`best of ${RUNS}: ${Math.round(Math.min(...times))} ms (bound: 2000 ms)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
