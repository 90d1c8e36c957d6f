import { describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

async function render(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { out: (t) => (stdout += t), err: (t) => (stderr += t), color: false };
  const code = await main(["render", ...argv], io, {});
  return { code, stdout, stderr };
}

describe("ecsmesh render", () => {
  for (const example of ["hello-world", "todo"]) {
    it(`prints the desired state compiled from examples/${example}`, async () => {
      const { code, stdout, stderr } = await render(`examples/${example}`);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      await expect(stdout).toMatchFileSnapshot(`./__snapshots__/render-${example}.yaml`);
    });
  }

  it("prints one part as JSON", async () => {
    const { code, stdout } = await render("examples/hello-world", "--only", "dtab", "--output", "json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      default:
        "/svc => /#/io.l5d.consul/dc1;\n/svc/world => 90 * /#/io.l5d.consul/dc1/world & 10 * /#/io.l5d.consul/dc1/world-v2;\n",
    });
  });

  it("reports invalid manifests as validate does, and prints nothing", async () => {
    const { code, stdout, stderr } = await render("test/fixtures/mixed-mistakes");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^test\/fixtures\/mixed-mistakes\/.+:\d+:\d+: error: /m);
  });

  it("refuses an unknown part", async () => {
    const { code, stderr } = await render("examples/hello-world", "--only", "everything");
    expect(code).toBe(64);
    expect(stderr).toContain("Allowed choices are ecs, linkerd, dtab, consul, prometheus, grafana");
  });
});
