import { formatDuration } from "../specs/duration.js";
import type { Monitoring } from "../specs/monitoring.js";
import { generatedYaml } from "./generated-yaml.js";

/** Where rule files live, relative to prometheus.yml. */
export const RULES_DIR = "rules";

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Two samples at least are needed for a rate: this window suits scrape intervals up to 30s (default 15s). */
const WINDOW = "1m";

/**
 * linkerd 1's router series (io.l5d.prometheus: colon names, `rt` plus `client` or `server`
 * labels) seen two ways, as linkerd-viz showed them: per client across every linkerd (one
 * destination mesh-wide), and per server on each linkerd (`instance`).
 */
const LEVELS = [
  { metric: "rt:client", by: ["rt", "client"] },
  { metric: "rt:server", by: ["instance", "rt", "server"] },
] as const;

/**
 * Named `level:metric:operations` (Prometheus' convention): the labels kept, the linkerd metric,
 * what was done to it. Rates are summed, so they still add up across clients; the success rate
 * is a ratio of sums, never an average of ratios. Latency comes as summary quantiles, which
 * cannot be combined across instances: the worst instance's is what is recorded.
 */
export const LINKERD_RULES: readonly RecordingRule[] = LEVELS.flatMap(({ metric, by }) => {
  const level = by.join("_");
  const rate = (name: string) => `sum by (${by.join(", ")}) (rate(${metric}:${name}[${WINDOW}]))`;
  return [
    { record: `${level}:requests:rate${WINDOW}`, expr: rate("requests") },
    { record: `${level}:success:rate${WINDOW}`, expr: rate("success") },
    { record: `${level}:status_4XX:rate${WINDOW}`, expr: rate("status:4XX") },
    { record: `${level}:status_5XX:rate${WINDOW}`, expr: rate("status:5XX") },
    { record: `${level}:success_rate:rate${WINDOW}`, expr: `${rate("success")} / ${rate("requests")}` },
    {
      record: `${level}:request_latency_ms:max`,
      expr: `max by (${[...by, "quantile"].join(", ")}) (${metric}:request_latency_ms{quantile=~"0.95|0.99"})`,
    },
  ];
});

/** The Monitoring manifest's alerts as Prometheus alerting rules. */
export function alertingRules(monitoring: Monitoring): AlertingRule[] {
  return monitoring.spec.prometheus.alerts.map((alert) => ({
    alert: alert.name,
    expr: alert.expr,
    for: formatDuration(alert.for),
    // The dedicated field wins over a `severity` in labels: it is the one the schema documents.
    labels: { ...alert.labels, severity: alert.severity },
    annotations: {
      summary: alert.summary,
      ...(alert.description === undefined ? {} : { description: alert.description }),
    },
  }));
}

/**
 * The rule files by path relative to prometheus.yml. The alerts file is written even when empty,
 * so removing the last alert from the manifest removes it from Prometheus too.
 */
export function ruleFiles(monitoring: Monitoring): Map<string, string> {
  return new Map([
    [`${RULES_DIR}/linkerd.yml`, generatedYaml({ groups: [{ name: "linkerd", rules: LINKERD_RULES }] })],
    [
      `${RULES_DIR}/alerts.yml`,
      generatedYaml({ groups: [{ name: "ecsmesh-alerts", rules: alertingRules(monitoring) }] }),
    ],
  ]);
}

/** Every PromQL expression the controller ships on its own (the manifest's alerts are the user's). */
export function shippedExpressions(): string[] {
  return LINKERD_RULES.map((rule) => rule.expr);
}
