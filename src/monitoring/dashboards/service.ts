import type { Mesh } from "../../specs/mesh.js";
import { consulName } from "../../specs/resolve.js";
import type { Service } from "../../specs/service.js";
import { buildDashboard, type Section } from "./layout.js";
import { latencyQueries, requestVolume, successRate } from "./linkerd-queries.js";
import type { Dashboard } from "./model.js";
import { higherIsBetter, MILLISECONDS, PER_SECOND, RATIO, stat, timeseries } from "./panels.js";
import { stableUid } from "./uid.js";

/**
 * One Service seen through linkerd (as a destination of both routers: `outgoing` on the caller's
 * node, `incoming` on its own), plus its own scrape targets when it serves metrics.
 */
export function serviceDashboard(service: Service, mesh: Mesh): Dashboard {
  const name = service.metadata.name;
  const clients = `client=~"${linkerdClientPattern(service, mesh)}"`;
  const sections: Section[] = [
    {
      row: { title: "Through linkerd" },
      panels: [
        stat(
          "Success Rate",
          { expr: successRate("client", clients) },
          { ...RATIO, thresholds: higherIsBetter(0.9, 0.99) },
        ),
        stat("Request Volume", { expr: requestVolume("client", clients) }, PER_SECOND),
        timeseries(
          "Success Rate by Router",
          [{ expr: successRate("client", clients, "rt"), legend: "{{rt}}" }],
          RATIO,
        ),
        timeseries(
          "Request Volume by Router",
          [{ expr: requestVolume("client", clients, "rt"), legend: "{{rt}}" }],
          PER_SECOND,
        ),
        timeseries("Latency by Router", latencyQueries("client", clients, "rt"), {
          ...MILLISECONDS,
          width: 24,
        }),
      ],
    },
  ];
  if (service.spec.metrics) {
    const targets = `up{job="services",service="${name}"}`;
    sections.push({
      row: { title: "Scrape Targets" },
      panels: [
        stat("Targets Up", { expr: `sum(${targets})` }),
        timeseries("Target Up", [{ expr: targets, legend: "{{task}} {{instance}}" }], {
          min: 0,
          max: 1,
          width: 20,
        }),
      ],
    });
  }
  return buildDashboard({
    // `ecsmesh-service-<name>`, shortened with a hash past Grafana's 40 characters.
    uid: stableUid("ecsmesh-service", name),
    title: `Service ${name}`,
    tags: ["service"],
    sections,
  });
}

/**
 * The `client` label values linkerd gives this Service: its Consul name bound by the consul namer
 * (`#/io.l5d.consul/<dc>/<name>`), behind whatever transformer prefix the router adds (the
 * outgoing router's `%/io.l5d.port/4141/...`). A Service outside Consul is looked for under its own
 * name. PromQL anchors the regex, so `world` never matches `world-v2`.
 */
function linkerdClientPattern(service: Service, mesh: Mesh): string {
  const name = consulName(service) ?? service.metadata.name;
  return `.*#/io.l5d.consul/${mesh.spec.consul.datacenter}/${name}`;
}
