import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { HOSTILE_NAME, REVISION } from "./status-fixture.js";
import { startTestServer } from "./status-server-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const profiles: string[] = [];
afterEach(async () => {
  await Promise.all(profiles.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Runs headless Chromium with a fresh profile; a missing browser fails the test rather than skipping it. */
async function chromium(...args: string[]): Promise<{ stdout: string; dir: string }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing; .ci/run installs chromium (apt-get install -y chromium)`);
  }
  const dir = await mkdtemp(join(tmpdir(), "ecsmesh-chromium-"));
  profiles.push(dir);
  const { stdout } = await promisify(execFile)(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${join(dir, "profile")}`,
      ...args.map((arg) => arg.replace("<dir>", dir)),
    ],
    { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return { stdout, dir };
}

describe("the status page in headless Chromium", () => {
  it("renders the resources, conditions and revisions", { timeout: 90_000 }, async () => {
    const { server } = await startTestServer();
    const { stdout: dom } = await chromium("--dump-dom", `${server.url}/`);

    expect(dom).toContain("<title>ecsmesh · Ready</title>");
    for (const name of ["hello", "world", "world-v2", "world-canary"])
      expect(dom).toContain(`<b>${name}</b>`);
    expect(dom).toContain('<span class="badge bad">Stalled</span>');
    expect(dom).toContain('<span class="badge pending">Reconciling</span>');
    expect(dom).toMatch(
      /<td>Reconciling<\/td><td><span class="badge pending">True<\/span><\/td><td>Progressing<\/td>/,
    );
    expect(dom).toContain(REVISION);
    expect(dom).toContain("l5d-demo-hello:7");
    // The hostile name arrived as text: the browser built no element from it.
    expect(dom).toContain("<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>");
    expect(dom).not.toContain(HOSTILE_NAME);
  });

  it("takes a 1280x900 screenshot", { timeout: 90_000 }, async () => {
    const { server } = await startTestServer();
    const { dir } = await chromium("--screenshot=<dir>/page.png", "--window-size=1280,900", `${server.url}/`);

    const png = await readFile(join(dir, "page.png"));
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    // IHDR, the first chunk, holds the width and height.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 900]);
  });
});
