import { buildDashboard } from "./layout.js";
import { latencyQueries, requestVolume, statusRate, successRate } from "./linkerd-queries.js";
import type { Dashboard } from "./model.js";
import { higherIsBetter, MILLISECONDS, PER_SECOND, RATIO, stat, timeseries } from "./panels.js";
import { labelVariable } from "./variables.js";

const LINKERD_VIZ_UID = "linkerd-viz";

const ROUTER = `rt=~"$router"`;
const CLIENTS = `${ROUTER},client=~"$service",instance=~"$instance"`;
const SERVERS = `${ROUTER},instance=~"$instance"`;

/**
 * linkerd-viz 0.2.0's main dashboard: the top line for a router, then one row per client (the
 * `service` variable, as linkerd-viz named it), then what each linkerd instance served.
 */
export function linkerdVizDashboard(): Dashboard {
  return buildDashboard({
    uid: LINKERD_VIZ_UID,
    title: "linkerd-viz",
    tags: ["linkerd"],
    variables: [
      labelVariable("router", "Router", "rt:client:requests", "rt", "one"),
      labelVariable("service", "Service", `rt:client:requests{${ROUTER}}`, "client", "many"),
      labelVariable("instance", "Instance", "jvm:uptime", "instance", "many"),
    ],
    sections: [
      {
        panels: [
          stat("Services Monitored", { expr: `count(count by (client) (rt:client:requests{${ROUTER}}))` }),
          stat("linkerd Instances", { expr: "count(count by (instance) (jvm:uptime))" }),
          stat(
            "Global Success Rate",
            { expr: successRate("client", ROUTER) },
            { ...RATIO, thresholds: higherIsBetter(0.5, 0.8) },
          ),
          stat("Global Request Volume", { expr: requestVolume("client", ROUTER) }, PER_SECOND),
          stat("4XX Errors", { expr: statusRate("4XX", ROUTER) }, PER_SECOND),
          stat("5XX Errors", { expr: statusRate("5XX", ROUTER) }, PER_SECOND),
        ],
      },
      {
        row: { title: "Top Line" },
        panels: [
          timeseries(
            "Success Rates",
            [{ expr: successRate("client", CLIENTS, "client"), legend: "{{client}}" }],
            RATIO,
          ),
          timeseries(
            "Request Volumes",
            [{ expr: requestVolume("client", CLIENTS, "client"), legend: "{{client}}" }],
            PER_SECOND,
          ),
          timeseries("Latency", latencyQueries("client", CLIENTS, "client"), MILLISECONDS),
        ],
      },
      {
        row: { title: "$service", repeat: "service" },
        panels: [
          timeseries(
            "$service Success Rate",
            [{ expr: successRate("client", CLIENTS, "instance"), legend: "{{instance}}" }],
            RATIO,
          ),
          timeseries(
            "$service Request Volume",
            [{ expr: requestVolume("client", CLIENTS, "instance"), legend: "{{instance}}" }],
            PER_SECOND,
          ),
          timeseries("$service Latency", latencyQueries("client", CLIENTS), MILLISECONDS),
        ],
      },
      {
        row: { title: "Per-Instance Metrics" },
        panels: [
          timeseries(
            "Success Rate by Instance",
            [{ expr: successRate("server", SERVERS, "instance"), legend: "{{instance}}" }],
            RATIO,
          ),
          timeseries(
            "Request Volume by Instance",
            [{ expr: requestVolume("server", SERVERS, "instance"), legend: "{{instance}}" }],
            PER_SECOND,
          ),
          timeseries("Latency by Instance", latencyQueries("server", SERVERS, "instance"), MILLISECONDS),
        ],
      },
    ],
  });
}
