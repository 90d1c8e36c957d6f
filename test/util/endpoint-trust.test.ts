import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { classifyFailure, errorCode } from "../../src/aws/errors.js";
import { parseEnvironment } from "../../src/cli/environment.js";
import { excerpt } from "../../src/util/bounded-http.js";
import { manifestEndpointRefusal, ScopedToken } from "../../src/util/endpoint-trust.js";

const consulToken = (endpoint: string | undefined, allowList: readonly string[] = []) =>
  new ScopedToken("CONSUL_HTTP_TOKEN", "s3cret", {
    endpointVariable: "CONSUL_HTTP_ADDR",
    endpoint,
    allowList,
  });

/** The token's value for a request to `url`, or the refusal's message. */
function decide(token: ScopedToken, url: string): string {
  try {
    return token.valueFor(new URL(url));
  } catch (error) {
    return (error as Error).message;
  }
}

describe("a scoped token", () => {
  it("refuses plain http to a host off the machine, even one the environment names", () => {
    // Nothing is connected to: the decision is made before any request.
    const token = consulToken("http://consul.internal:8500", ["http://10.0.0.5:8500"]);
    expect(decide(token, "http://consul.internal:8500/v1/txn")).toBe(
      "refusing to send CONSUL_HTTP_TOKEN to http://consul.internal:8500 over plain http: use https (plain http is only for loopback)",
    );
    expect(decide(token, "http://10.0.0.5:8500/v1/txn")).toMatch(/over plain http/);
  });

  it.each([
    "http://127.0.0.1:8500",
    "http://127.1.2.3:8500",
    "http://localhost:8500",
    "http://[::1]:8500",
    "https://consul.internal:8501",
  ])("goes to %s when the environment names it", (endpoint) => {
    expect(decide(consulToken(endpoint), `${endpoint}/v1/kv/x`)).toBe("s3cret");
  });

  it("compares origins: another port, scheme or host is another endpoint", () => {
    const token = consulToken("https://consul.internal:8501");
    for (const url of [
      "https://consul.internal:8502/",
      "http://consul.internal:8501/",
      "https://consul.evil:8501/",
    ])
      expect(decide(token, url)).toMatch(
        /^refusing to send CONSUL_HTTP_TOKEN to .*: it is neither CONSUL_HTTP_ADDR/,
      );
  });

  it("refuses as a client error (never retried) and never shows its value", () => {
    const token = consulToken(undefined);
    let refusal: unknown;
    try {
      token.valueFor(new URL("https://consul.evil/"));
    } catch (error) {
      refusal = error;
    }
    expect([classifyFailure(refusal), errorCode(refusal)]).toEqual(["client", "UntrustedEndpoint"]);
    expect(JSON.stringify(token) + inspect(token, { showHidden: true })).not.toContain("s3cret");
  });
});

describe("ECSMESH_TRUSTED_ENDPOINTS", () => {
  it("is a comma-separated list of origins", () => {
    expect(
      parseEnvironment({
        ECSMESH_TRUSTED_ENDPOINTS: " https://consul.internal:8501/, https://grafana.internal ,",
      }).ECSMESH_TRUSTED_ENDPOINTS,
    ).toEqual(["https://consul.internal:8501", "https://grafana.internal"]);
    expect(parseEnvironment({}).ECSMESH_TRUSTED_ENDPOINTS).toEqual([]);
  });

  it.each([
    "consul.internal:8501",
    "https://grafana.internal/api",
    "https://user:pw@consul.internal",
    "ftp://x",
  ])("refuses %s, which is not an http(s) origin, without echoing it", (value) => {
    expect(() => parseEnvironment({ ECSMESH_TRUSTED_ENDPOINTS: value })).toThrow(
      /^environment: ECSMESH_TRUSTED_ENDPOINTS must be comma-separated http\(s\) origins \(scheme:\/\/host\[:port\]\)$/,
    );
  });
});

describe("a manifest-named endpoint without a token (namerd)", () => {
  const namerd = "the Mesh's linkerd.namerd.url";
  it("is refused with credentials in its URL, or off the allow-list once there is one", () => {
    expect(manifestEndpointRefusal("http://u:p@namerd:4180", namerd, [])).toBe(
      "the Mesh's linkerd.namerd.url carries credentials in its URL; refusing to call it",
    );
    expect(manifestEndpointRefusal("http://namerd:4180", namerd, ["https://namerd.internal"])).toBe(
      "the Mesh's linkerd.namerd.url http://namerd:4180 is not listed in ECSMESH_TRUSTED_ENDPOINTS; refusing to call it",
    );
    expect(manifestEndpointRefusal("http://namerd:4180", namerd, [])).toBeUndefined();
    expect(
      manifestEndpointRefusal("https://namerd.internal/", namerd, ["https://namerd.internal"]),
    ).toBeUndefined();
  });
});

describe("an excerpt of another host's answer", () => {
  it("is plain text of at most 300 characters", () => {
    expect(excerpt("<html><title>502 Bad Gateway</title>\n\t<b>nginx</b>\u0007\u202e</html>")).toBe(
      "502 Bad Gateway nginx",
    );
    expect(excerpt("\u001b[31mred\u001b[0m")).toBe("red");
    const long = excerpt("y".repeat(10_000));
    expect([long.length, long.endsWith("…")]).toEqual([301, true]);
  });
});
