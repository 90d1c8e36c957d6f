import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertingRules, LINKERD_RULES, ruleFiles, shippedExpressions } from "../../src/monitoring/rules.js";
import { demoSet, monitoringOf, WORLD_CLIENT } from "./support.js";

const monitoring = monitoringOf(demoSet());

describe("linkerd recording rules", () => {
  it("are named level:metric:operations, per client mesh-wide and per server on each linkerd", () => {
    expect(LINKERD_RULES.map((rule) => rule.record)).toEqual([
      "rt_client:requests:rate1m",
      "rt_client:success:rate1m",
      "rt_client:status_4XX:rate1m",
      "rt_client:status_5XX:rate1m",
      "rt_client:success_rate:rate1m",
      "rt_client:request_latency_ms:max",
      "instance_rt_server:requests:rate1m",
      "instance_rt_server:success:rate1m",
      "instance_rt_server:status_4XX:rate1m",
      "instance_rt_server:status_5XX:rate1m",
      "instance_rt_server:success_rate:rate1m",
      "instance_rt_server:request_latency_ms:max",
    ]);
  });

  it("read linkerd's colon-named series and compute the success rate as a ratio of sums", () => {
    const expr = (record: string) => LINKERD_RULES.find((rule) => rule.record === record)?.expr;
    expect(expr("rt_client:status_5XX:rate1m")).toBe("sum by (rt, client) (rate(rt:client:status:5XX[1m]))");
    expect(expr("rt_client:success_rate:rate1m")).toBe(
      "sum by (rt, client) (rate(rt:client:success[1m])) / sum by (rt, client) (rate(rt:client:requests[1m]))",
    );
    expect(expr("rt_client:request_latency_ms:max")).toBe(
      'max by (rt, client, quantile) (rt:client:request_latency_ms{quantile=~"0.95|0.99"})',
    );
  });

  it("are every expression shipped", () => {
    expect(shippedExpressions()).toEqual(LINKERD_RULES.map((rule) => rule.expr));
  });
});

describe("alerting rules", () => {
  it("come from the manifest, with severity among the labels and the texts as annotations", () => {
    expect(alertingRules(monitoring)).toEqual([
      {
        alert: "WorldSuccessRateLow",
        expr: `sum(rate(rt:client:success{client="${WORLD_CLIENT}"}[5m])) / sum(rate(rt:client:requests{client="${WORLD_CLIENT}"}[5m])) < 0.95`,
        for: "5m",
        labels: { team: "platform", severity: "critical" },
        annotations: {
          summary: "world's success rate through linkerd is under 95%",
          description: "{{ $value | humanizePercentage }} of requests to world succeed",
        },
      },
      {
        alert: "LinkerdDown",
        expr: 'up{job="linkerd"} == 0',
        for: "5m",
        labels: { severity: "warning" },
        annotations: { summary: "a linkerd is not answering its admin port" },
      },
    ]);
  });
});

describe("rule files", () => {
  it("hold one group each: the linkerd recordings and the manifest's alerts", () => {
    const files = ruleFiles(monitoring);
    expect([...files.keys()]).toEqual(["rules/linkerd.yml", "rules/alerts.yml"]);
    expect(parse(files.get("rules/linkerd.yml") ?? "")).toEqual({
      groups: [{ name: "linkerd", rules: LINKERD_RULES }],
    });
    expect(parse(files.get("rules/alerts.yml") ?? "")).toEqual({
      groups: [{ name: "ecsmesh-alerts", rules: alertingRules(monitoring) }],
    });
  });

  it("keep an empty alerts group when the manifest has no alerts, so old alerts go away", () => {
    const quiet = monitoringOf(
      demoSet("apiVersion: ecsmesh.io/v1alpha1\nkind: Monitoring\nmetadata:\n  name: monitoring\nspec: {}\n"),
    );
    expect(parse(ruleFiles(quiet).get("rules/alerts.yml") ?? "")).toEqual({
      groups: [{ name: "ecsmesh-alerts", rules: [] }],
    });
  });
});
