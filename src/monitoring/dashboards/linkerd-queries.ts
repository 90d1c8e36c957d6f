import type { Query } from "./panels.js";

/**
 * PromQL over Linkerd 1's `io.l5d.prometheus` series (`rt:client:*` per router and client,
 * `rt:server:*` per router and server), written the way linkerd-viz 0.2.0 queried them: counters
 * through `irate` over 1m, latency from the telemeter's own quantile series.
 */

/** `client`: what a router sent to each destination; `server`: what each router received. */
export type Side = "client" | "server";

/** A selector's matchers, e.g. `rt=~"$router",client=~"$service"`. */
export type Matchers = string;

/** Share of requests that succeeded, as a 0..1 ratio. */
export const successRate = (side: Side, matchers: Matchers, by?: string): string =>
  `${aggregate("sum", by, counterRate(side, "success", matchers))} / ${requestVolume(side, matchers, by)}`;

/** Requests per second. */
export const requestVolume = (side: Side, matchers: Matchers, by?: string): string =>
  aggregate("sum", by, counterRate(side, "requests", matchers));

/** Responses per second in a status class. */
export const statusRate = (statusClass: "4XX" | "5XX", matchers: Matchers): string =>
  aggregate("sum", undefined, counterRate("client", `status:${statusClass}`, matchers));

/**
 * A latency quantile in milliseconds, the worst instance's: the telemeter computes quantiles per
 * process, and quantiles cannot be averaged. `quantile` is one it exports, e.g. `0.95`.
 */
const latency = (side: Side, matchers: Matchers, quantile: string, by?: string): string =>
  aggregate(
    "max",
    by,
    `rt:${side}:request_latency_ms{${[matchers, `quantile="${quantile}"`].filter(Boolean).join(",")}}`,
  );

const QUANTILES = [
  ["0.95", "p95"],
  ["0.99", "p99"],
] as const;

/** p95 and p99, labelled as linkerd-viz labelled them (with `by` in the legend when split). */
export const latencyQueries = (side: Side, matchers: Matchers, by?: string): Query[] =>
  QUANTILES.map(([quantile, name]) => ({
    expr: latency(side, matchers, quantile, by),
    legend: by ? `${name} {{${by}}}` : name,
  }));

const counterRate = (side: Side, counter: string, matchers: Matchers): string =>
  `irate(rt:${side}:${counter}{${matchers}}[1m])`;

const aggregate = (operator: "sum" | "max", by: string | undefined, expr: string): string =>
  by ? `${operator} by (${by}) (${expr})` : `${operator}(${expr})`;
