import { describe, expect, it } from "vitest";
import { AWS_REGIONS, AwsRegion, imageReferenceProblem } from "../../src/specs/common.js";
import { promqlErrorOffset, templateProblem } from "../../src/specs/prometheus-text.js";

/** The grammars the loader checks values against must accept what the real consumers accept. */
describe("image references (docker's grammar)", () => {
  it.each([
    "nginx",
    "example/api:1",
    "buoyantio/linkerd:1.7.5",
    "localhost:5000/team/api:v1",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.2.3",
    "public.ecr.aws/docker/library/redis:7-alpine",
    "MyRegistry.example.com/api:latest",
    "[::1]:5000/api:1",
    "ghcr.io/acme/api_v2__x.y-z:sha-abc",
    `api@sha256:${"a".repeat(64)}`,
    `api:1@sha256:${"b".repeat(64)}`,
  ])("accepts %s", (reference) => {
    expect(imageReferenceProblem(reference)).toBeUndefined();
  });

  it.each([
    "Example/api",
    "example//api",
    "example/api:",
    "example/api:.hidden",
    "example/api:1:2",
    "https://example.com/api",
    "example/api@sha256:short",
    "api-/x",
    "",
  ])("refuses %j", (reference) => {
    expect(imageReferenceProblem(reference)).toBeDefined();
  });
});

describe("PromQL (Prometheus's lezer grammar)", () => {
  it.each([
    "up == 0",
    'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05',
    "histogram_quantile(0.99, sum(rate(request_latency_bucket[5m])) by (le)) > 0.5",
    'absent(up{job="linkerd"})',
    "time() - process_start_time_seconds < 60",
    "max_over_time(up[1h:5m]) offset 1d",
  ])("accepts %s", (expr) => {
    expect(promqlErrorOffset(expr)).toBeUndefined();
  });

  it.each([
    ["up = 0", 3],
    ["sum(rate(x[5m])", 15],
    ["rate(x[5m]) >", 13],
  ])("refuses %s at offset %i", (expr, offset) => {
    expect(promqlErrorOffset(expr)).toBe(offset);
  });
});

describe("alert templates (Go text/template, a subset)", () => {
  it.each([
    "plain text",
    "{{ $labels.instance }} of {{ $labels.job }} is down",
    "{{ $value | humanizePercentage }} errors",
    '{{ printf "%.2f" $value }}',
    "{{- if gt $value 10.0 -}}many{{- else if gt $value 1.0 -}}some{{- else -}}few{{- end }}",
    "{{ range $i, $v := $labels }}{{ $i }}={{ $v }} {{ end }}",
    '{{ with query "up == 0" }}{{ . | first | value }}{{ end }}',
    '{{/* a comment */}}{{ reReplaceAll "(.*):.*" "$1" $labels.instance }}',
    "{{ .Labels.severity | toUpper }}",
  ])("accepts %s", (text) => {
    expect(templateProblem(text)).toBeUndefined();
  });

  it.each([
    ["{{ $labels.instance", '"{{" is never closed'],
    ["$labels.instance }}", '"}}" without "{{"'],
    ["{{ humanise $value }}", 'unknown function "humanise"'],
    ["{{ if true }}x", "never closed with {{ end }}"],
    ["x{{ end }}", "{{ end }} without"],
  ])("refuses %s", (text, message) => {
    expect(templateProblem(text)?.message).toContain(message);
  });
});

describe("AWS regions", () => {
  it("accepts every listed region and refuses a made-up one", () => {
    for (const region of AWS_REGIONS) expect(AwsRegion.safeParse(region).success).toBe(true);
    expect(AwsRegion.safeParse("us-east-3").success).toBe(false);
  });
});
