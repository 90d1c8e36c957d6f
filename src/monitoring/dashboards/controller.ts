import { buildDashboard } from "./layout.js";
import type { Dashboard } from "./model.js";
import { lowerIsBetter, PER_SECOND, SECONDS, stat, timeseries } from "./panels.js";

const CONTROLLER_UID = "ecsmesh-controller";

/** The controller's own series (src/runtime/metrics.ts), scraped in job "ecsmesh". */
const JOB = `job="ecsmesh"`;

const quantileOf = (quantile: number, histogram: string, by: string): string =>
  `histogram_quantile(${quantile}, sum by (le, ${by}) (rate(${histogram}_bucket{${JOB}}[5m])))`;

/**
 * Is the controller keeping the mesh converged, and what does it cost: pass durations and outcomes,
 * resource readiness, cloud API calls with their errors and throttling, staleness and leadership.
 */
export function controllerDashboard(): Dashboard {
  return buildDashboard({
    uid: CONTROLLER_UID,
    title: "ecsmesh controller",
    tags: ["controller"],
    sections: [
      {
        panels: [
          stat(
            "Last Successful Pass",
            { expr: `time() - max(ecsmesh_last_successful_pass_timestamp_seconds{${JOB}})` },
            { ...SECONDS, thresholds: lowerIsBetter(300, 900), width: 6 },
          ),
          stat("Leaders", { expr: `sum(ecsmesh_leader{${JOB}})` }, { width: 6 }),
          stat(
            "Resources Not Ready",
            // `or vector(0)`: no series at all means none is unready, not "no data".
            { expr: `count(ecsmesh_resource_info{${JOB},ready!="True"}) or vector(0)` },
            { thresholds: lowerIsBetter(1, 5), width: 6 },
          ),
          stat(
            "Failed Passes (1h)",
            { expr: `sum(increase(ecsmesh_passes_total{${JOB},outcome=~"failed|invalid"}[1h]))` },
            { thresholds: lowerIsBetter(1, 3), width: 6 },
          ),
        ],
      },
      {
        row: { title: "Passes" },
        panels: [
          timeseries(
            "Pass Duration",
            (
              [
                [0.5, "p50"],
                [0.95, "p95"],
              ] as const
            ).map(([quantile, name]) => ({
              expr: quantileOf(quantile, "ecsmesh_reconcile_duration_seconds", "kind"),
              legend: `${name} {{kind}}`,
            })),
            SECONDS,
          ),
          timeseries(
            "Passes by Outcome (5m)",
            [
              {
                expr: `sum by (outcome) (increase(ecsmesh_passes_total{${JOB}}[5m]))`,
                legend: "{{outcome}}",
              },
            ],
            { min: 0 },
          ),
          timeseries(
            "Resource Readiness",
            [
              {
                expr: `count by (kind, ready) (ecsmesh_resource_info{${JOB}})`,
                legend: "{{kind}} ready={{ready}}",
              },
            ],
            { min: 0 },
          ),
        ],
      },
      {
        row: { title: "Cloud API Calls" },
        panels: [
          timeseries(
            "API Request Rate",
            [
              {
                expr: `sum by (service, operation) (rate(ecsmesh_api_requests_total{${JOB}}[5m]))`,
                legend: "{{service}} {{operation}}",
              },
            ],
            PER_SECOND,
          ),
          timeseries(
            // Throttling shows as its error code (e.g. ThrottlingException) once retries gave up.
            "API Errors and Throttling",
            [
              {
                expr: `sum by (service, operation, outcome) (rate(ecsmesh_api_requests_total{${JOB},outcome!="ok"}[5m]))`,
                legend: "{{service}} {{operation}}: {{outcome}}",
              },
            ],
            PER_SECOND,
          ),
          timeseries(
            "API Latency p95",
            [
              {
                expr: quantileOf(0.95, "ecsmesh_api_request_duration_seconds", "service, operation"),
                legend: "{{service}} {{operation}}",
              },
            ],
            SECONDS,
          ),
        ],
      },
      {
        row: { title: "Leadership" },
        panels: [
          timeseries(
            "Leader by Replica",
            [{ expr: `max by (instance) (ecsmesh_leader{${JOB}})`, legend: "{{instance}}" }],
            {
              min: 0,
              max: 1,
              width: 24,
            },
          ),
        ],
      },
    ],
  });
}
