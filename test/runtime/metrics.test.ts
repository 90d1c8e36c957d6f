import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import { CallPolicy, type CallRecord } from "../../src/aws/call-policy.js";
import { createMetrics } from "../../src/runtime/metrics.js";
import { HttpStatusError } from "../../src/util/http-status-error.js";
import { sampleStatus } from "./status-fixture.js";

describe("controller metrics", () => {
  it("exposes every controller metric with its labels after recording", async () => {
    const metrics = createMetrics();
    metrics.observePass("Mesh", 0.42, "applied");
    metrics.setResources(sampleStatus().resources);
    const call: CallRecord = {
      service: "ecs",
      operation: "DescribeServices",
      outcome: "ok",
      attempts: 1,
      durationMs: 20,
    };
    metrics.recordApiCall(call);
    metrics.setLeader(true, "LockAcquired");
    metrics.markSuccess(new Date("2025-06-02T12:00:00.000Z"));
    const text = await metrics.registry.metrics();

    expect(text).toContain("# TYPE ecsmesh_reconcile_duration_seconds histogram");
    expect(text).toContain('ecsmesh_reconcile_duration_seconds_bucket{le="0.5",kind="Mesh"} 1');
    expect(text).toContain('ecsmesh_reconcile_duration_seconds_bucket{le="300",kind="Mesh"} 1');
    expect(text).toContain('ecsmesh_passes_total{outcome="applied"} 1');
    expect(text).toContain('ecsmesh_passes_total{outcome="failed"} 0');
    expect(text).toContain(
      'ecsmesh_resource_info{kind="Service",name="hello",target="ecs",ready="Unknown",revision="l5d-demo-hello:7"} 1',
    );
    expect(text).toContain(
      'ecsmesh_resource_info{kind="Service",name="world-v2",target="consul",ready="False",revision=""} 1',
    );
    expect(text).toContain(
      'ecsmesh_api_requests_total{service="ecs",operation="DescribeServices",outcome="ok"} 1',
    );
    expect(text).toContain(
      'ecsmesh_api_request_duration_seconds_bucket{le="0.025",service="ecs",operation="DescribeServices"} 1',
    );
    expect(text).toContain("ecsmesh_last_successful_pass_timestamp_seconds 1748865600");
    expect(text).toContain("ecsmesh_leader 1");
    expect(text).toContain("process_cpu_seconds_total");
    expect(text).toContain("nodejs_heap_size_used_bytes");
  });

  it("drops the info series of a resource that is gone", async () => {
    const metrics = createMetrics();
    const [first, second] = sampleStatus().resources;
    if (first === undefined || second === undefined) throw new Error("fixture has resources");
    metrics.setResources([first, second]);
    metrics.setResources([{ ...second, ready: "False" }]);
    const text = await metrics.registry.metrics();
    const series = text.split("\n").filter((line) => line.startsWith("ecsmesh_resource_info{"));
    expect(series).toEqual([
      `ecsmesh_resource_info{kind="Service",name="world",target="ecs",ready="False",revision="l5d-demo-world:3"} 1`,
    ]);
  });

  it("takes the call policy's records as they are", async () => {
    const metrics = createMetrics();
    const policy = new CallPolicy(
      "consul",
      { buckets: {}, operations: {} },
      { retries: 0, minBackoffMs: 1, maxBackoffMs: 1, timeoutMs: 1000, onCall: metrics.recordApiCall },
    );
    await policy.call("CatalogNodeServices", async () => "done");
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'ecsmesh_api_requests_total{service="consul",operation="CatalogNodeServices",outcome="ok"} 1',
    );
  });

  it("counts each retried attempt by reason, apart from the one call it belongs to", async () => {
    const metrics = createMetrics();
    const policy = new CallPolicy(
      "namerd",
      { buckets: {}, operations: {} },
      {
        retries: 3,
        minBackoffMs: 1,
        maxBackoffMs: 1,
        timeoutMs: 1000,
        onCall: metrics.recordApiCall,
        onRetry: metrics.recordApiRetry,
      },
    );
    const failures = [new HttpStatusError(429, "slow down"), new HttpStatusError(503, "down")];
    await policy.call("GetDtab", async () => {
      const failure = failures.shift();
      if (failure) throw failure;
      return "done";
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'ecsmesh_api_retries_total{service="namerd",operation="GetDtab",reason="throttled"} 1',
    );
    expect(text).toContain(
      'ecsmesh_api_retries_total{service="namerd",operation="GetDtab",reason="server"} 1',
    );
    expect(text).toContain('ecsmesh_api_requests_total{service="namerd",operation="GetDtab",outcome="ok"} 1');
  });

  it("keeps each controller's series in its own registry, never the global one", async () => {
    const one = createMetrics();
    const two = createMetrics();
    one.setLeader(true, "LockAcquired");
    expect(await two.registry.metrics()).toContain("ecsmesh_leader 0");
    expect(globalRegistry.getSingleMetric("ecsmesh_leader")).toBeUndefined();
  });
});
