import { describe, expect, it } from "vitest";
import { cliEnv, controllerEnv, parseEnvironment } from "../../src/cli/environment.js";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

describe("the environment, parsed once at the entry point", () => {
  it("reads CONSUL_HTTP_ADDR as Consul does: host:port means http", () => {
    expect(parseEnvironment({ CONSUL_HTTP_ADDR: "127.0.0.1:8500" }).CONSUL_HTTP_ADDR).toBe(
      "http://127.0.0.1:8500",
    );
    expect(parseEnvironment({ CONSUL_HTTP_ADDR: "https://consul.example:8501/" }).CONSUL_HTTP_ADDR).toBe(
      "https://consul.example:8501",
    );
  });

  it("treats empty as unset and defaults ECSMESH_PORT to 8080", () => {
    const env = parseEnvironment({ CONSUL_HTTP_ADDR: "", ECSMESH_PORT: "" });
    expect(env.CONSUL_HTTP_ADDR).toBeUndefined();
    expect(env.ECSMESH_PORT).toBe(8080);
    expect(parseEnvironment({ ECSMESH_PORT: "9090" }).ECSMESH_PORT).toBe(9090);
    expect(cliEnv(env)).toEqual({
      awsRegion: undefined,
      logLevel: "warn",
      consulAddress: undefined,
      consulToken: undefined,
      namerdUrl: undefined,
      trustedEndpoints: [],
    });
  });

  it("hands the controller ECSMESH_STATUS_TOKEN, empty meaning no token", () => {
    expect(controllerEnv(parseEnvironment({ ECSMESH_STATUS_TOKEN: "t0ken" })).statusToken).toBe("t0ken");
    expect(controllerEnv(parseEnvironment({ ECSMESH_STATUS_TOKEN: "" })).statusToken).toBeUndefined();
  });

  it.each([
    ["CONSUL_HTTP_ADDR", "http://"],
    ["ECSMESH_NAMERD_URL", "namerd:4180"],
    ["GRAFANA_URL", "grafana.internal"],
    ["ECSMESH_PORT", "http"],
    ["ECSMESH_PORT", "70000"],
    ["ECSMESH_PORT", " "],
    ["ECSMESH_LOG_LEVEL", "loud"],
  ])("names %s when its value is wrong, without echoing the value", (name, value) => {
    expect(() => parseEnvironment({ [name]: value })).toThrow(new RegExp(`^environment: ${name} must`));
  });

  it("makes a bad variable a usage error of the command that reads it", async () => {
    let stderr = "";
    const io: CliIO = { out: () => {}, err: (t) => (stderr += t), color: false };
    const code = await main(["plan", "examples/hello-world"], io, { CONSUL_HTTP_ADDR: "http://" });
    expect(code).toBe(64);
    expect(stderr).toMatch(/^ecsmesh: environment: CONSUL_HTTP_ADDR must be host:port or an http\(s\) URL/);
  });
});
