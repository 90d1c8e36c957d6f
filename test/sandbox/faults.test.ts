import {
  ECSClient,
  ECSServiceException,
  ListServicesCommand,
  ListTasksCommand,
  ServerException,
} from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { type FaultOutcome, Faults } from "../../src/sandbox/faults.js";
import { ECS_PUBLISHED_LIMITS, type RateLimits } from "../../src/sandbox/published-limits.js";
import { CREDENTIALS, ecsStartedByEachTest } from "./support.js";

const LIMITS: RateLimits = {
  buckets: { read: { burst: 3, refillPerSecond: 2 } },
  operations: { Describe: "read", List: "read" },
};

/** Faults on a clock the test moves by hand. */
function manual(settings: ConstructorParameters<typeof Faults>[1] = {}) {
  let now = 0;
  const faults = new Faults(LIMITS, settings, () => now);
  return { faults, advance: (ms: number) => (now += ms) };
}

const outcomes = (faults: Faults, operation: string, count: number): FaultOutcome[] =>
  Array.from({ length: count }, () => faults.decide(operation).outcome);

describe("token-bucket throttling", () => {
  it("defaults to ECS's documented limits", () => {
    expect(ECS_PUBLISHED_LIMITS.buckets).toEqual({
      serviceRead: { burst: 100, refillPerSecond: 20 },
      serviceModify: { burst: 50, refillPerSecond: 5 },
      taskDefinitionRead: { burst: 50, refillPerSecond: 20 },
      taskDefinitionModify: { burst: 20, refillPerSecond: 1 },
      clusterResourceRead: { burst: 100, refillPerSecond: 20 },
      tagModify: { burst: 20, refillPerSecond: 10 },
      tagRead: { burst: 50, refillPerSecond: 20 },
      clusterRead: { burst: 50, refillPerSecond: 20 },
      clusterModify: { burst: 20, refillPerSecond: 1 },
    });
    const faults = new Faults(ECS_PUBLISHED_LIMITS, {}, () => 0);
    expect(outcomes(faults, "RegisterTaskDefinition", 21).filter((o) => o === "throttle")).toHaveLength(1);
    expect(outcomes(faults, "DescribeServices", 100)).not.toContain("throttle");
    expect(faults.decide("ListServices").outcome).toBe("throttle");
    // Operations share their category's bucket, and other categories are untouched.
    expect(faults.decide("DescribeTasks").outcome).toBe("pass");
  });

  it("allows the burst, then refills per second", () => {
    const { faults, advance } = manual();
    expect(outcomes(faults, "Describe", 4)).toEqual(["pass", "pass", "pass", "throttle"]);
    expect(faults.decide("List").outcome).toBe("throttle");
    advance(499);
    expect(faults.decide("List").outcome).toBe("throttle");
    advance(1);
    expect(faults.decide("List").outcome).toBe("pass");
    advance(60_000);
    expect(faults.tokens("read")).toBe(3);
    expect(faults.decide("Unlisted").outcome).toBe("pass");
  });

  it("runs faster with a time scale, obeys overrides and can be switched off", () => {
    const { faults, advance } = manual({ timeScale: 10 });
    outcomes(faults, "Describe", 3);
    advance(50);
    expect(faults.decide("Describe").outcome).toBe("pass");
    faults.configure({ buckets: { read: { burst: 1, refillPerSecond: 0 } } });
    expect(faults.tokens("read")).toBe(0);
    expect(faults.decide("Describe").outcome).toBe("throttle");
    faults.refill();
    expect(outcomes(faults, "Describe", 2)).toEqual(["pass", "throttle"]);
    faults.configure({ throttling: false });
    expect(outcomes(faults, "Describe", 50)).not.toContain("throttle");
  });
});

describe("random faults", () => {
  it("repeat exactly under the same seed", () => {
    const run = (seed: number) =>
      outcomes(
        new Faults(LIMITS, { throttling: false, serverErrorRate: 0.3, connectionResetRate: 0.2, seed }),
        "X",
        200,
      );
    const first = run(42);
    expect(run(42)).toEqual(first);
    expect(run(43)).not.toEqual(first);
    const errors = first.filter((o) => o === "serverError").length;
    const resets = first.filter((o) => o === "connectionReset").length;
    expect(errors).toBeGreaterThan(20);
    expect(errors).toBeLessThan(80);
    expect(resets).toBeGreaterThan(15);
    expect(resets).toBeLessThan(65);
  });

  it("reseeds, applies rates 0 and 1 exactly and refuses nonsense", () => {
    const faults = new Faults(LIMITS, { throttling: false, serverErrorRate: 1, latencyMs: 25 });
    expect(faults.decide("X")).toEqual({ latencyMs: 25, outcome: "serverError" });
    faults.configure({ serverErrorRate: 0, connectionResetRate: 1 });
    expect(outcomes(faults, "X", 20)).toEqual(Array(20).fill("connectionReset"));
    faults.configure({ connectionResetRate: 0.5, seed: 9 });
    const sequence = outcomes(faults, "X", 30);
    faults.configure({ seed: 9 });
    expect(outcomes(faults, "X", 30)).toEqual(sequence);
    faults.configure({ connectionResetRate: 0, throttleRate: 1 });
    expect(outcomes(faults, "X", 5)).toEqual(Array(5).fill("throttle"));
    expect(() => faults.configure({ throttleRate: -0.1 })).toThrow(RangeError);
    expect(() => faults.configure({ serverErrorRate: 1.5 })).toThrow(RangeError);
    expect(() => faults.configure({ timeScale: 0 })).toThrow(RangeError);
    expect(() => faults.configure({ latencyMs: -1 })).toThrow(RangeError);
    expect(faults.settings.serverErrorRate).toBe(0);
  });
});

describe("faults through the SDK", () => {
  const startEcs = ecsStartedByEachTest();

  it("throttles with a ThrottlingException the SDK classifies as throttling, then refills", async () => {
    // Refilling slowly (a token every 10 s) while the test empties the bucket, so a loaded machine's
    // pauses between calls cannot refill it; then fast, to see the refill.
    const t = await startEcs({
      faults: { throttling: true, buckets: { serviceRead: { burst: 3, refillPerSecond: 0.1 } } },
    });
    for (let i = 0; i < 3; i += 1) await t.client.send(new ListServicesCommand({}));
    const error = await t.client.send(new ListServicesCommand({})).catch((e: unknown) => e);
    // ECS's model declares no ThrottlingException class: the SDK names its generic exception after the code.
    expect(error).toBeInstanceOf(ECSServiceException);
    expect(error).toMatchObject({ name: "ThrottlingException", message: "Rate exceeded", $fault: "client" });
    expect((error as ECSServiceException).$metadata.httpStatusCode).toBe(400);

    // The retry strategy sees how the SDK classified the error.
    const errorTypes: string[] = [];
    const observing = new ECSClient({
      endpoint: t.server.url,
      region: "us-east-1",
      credentials: CREDENTIALS,
      retryStrategy: {
        acquireInitialRetryToken: async () => ({ getRetryCount: () => 0, getRetryDelay: () => 0 }),
        // Refusing the retry makes the SDK rethrow the error it just classified.
        refreshRetryTokenForRetry: async (_token: unknown, info: { errorType: string }) => {
          errorTypes.push(info.errorType);
          throw new Error("no retries");
        },
        recordSuccess: () => {},
      },
    });
    await expect(observing.send(new ListServicesCommand({}))).rejects.toMatchObject({
      name: "ThrottlingException",
    });
    expect(errorTypes).toEqual(["THROTTLING"]);
    observing.destroy();

    t.server.faults.configure({ buckets: { serviceRead: { burst: 3, refillPerSecond: 20 } } });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await expect(t.client.send(new ListServicesCommand({}))).resolves.toBeDefined();
    // Another category's bucket was never touched.
    await expect(t.client.send(new ListTasksCommand({}))).resolves.toBeDefined();
    expect(t.server.calls.get("ListServices")).toMatchObject({ total: 6, ok: 4, throttled: 2 });
  });

  it("answers every request with ServerException at rate 1.0", async () => {
    const t = await startEcs({ faults: { serverErrorRate: 1 } });
    const error = await t.client.send(new ListServicesCommand({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerException);
    expect((error as ServerException).$fault).toBe("server");
    expect((error as ServerException).$metadata.httpStatusCode).toBe(500);
    t.server.faults.configure({ serverErrorRate: 0 });
    await expect(t.client.send(new ListServicesCommand({}))).resolves.toBeDefined();
    expect(t.server.calls.get("ListServices").errors).toEqual({ ServerException: 1 });
  });

  it("resets every connection at rate 1.0", async () => {
    const t = await startEcs({ faults: { connectionResetRate: 1 } });
    const error = await t.client.send(new ListServicesCommand({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(`${(error as NodeJS.ErrnoException).code} ${(error as Error).message}`).toMatch(
      /ECONNRESET|socket hang up/,
    );
    expect(t.server.calls.get("ListServices").connectionResets).toBe(1);
  });

  it("delays every answer by the configured latency", async () => {
    const t = await startEcs({ faults: { latencyMs: 300 } });
    const started = performance.now();
    await t.client.send(new ListServicesCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    t.server.faults.configure({ latencyMs: 0 });
    const again = performance.now();
    await t.client.send(new ListServicesCommand({}));
    expect(performance.now() - again).toBeLessThan(250);
  });
});
