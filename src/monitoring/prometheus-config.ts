import { formatDuration } from "../specs/duration.js";
import type { Monitoring } from "../specs/monitoring.js";
import { generatedYaml } from "./generated-yaml.js";
import { RULES_DIR, ruleFiles } from "./rules.js";

/** The status server's metrics route. */
const METRICS_PATH = "/metrics";
/** The status server's Prometheus http_sd routes (src/runtime/sd-routes.ts). */
export const SD_LINKERD_PATH = "/sd/linkerd";
export const SD_SERVICES_PATH = "/sd/services";

/** prometheus.yml and its rule files, by path relative to the delivery directory. */
export function prometheusFiles(monitoring: Monitoring, controllerUrl: string): Map<string, string> {
  return new Map([
    ["prometheus.yml", renderPrometheusConfig(monitoring, controllerUrl)],
    ...ruleFiles(monitoring),
  ]);
}

/**
 * A complete prometheus.yml: linkerd and the Services are discovered through the controller's
 * http_sd endpoints (ECS had no discovery in Prometheus for years), the controller scrapes as
 * itself, and the manifest's extra jobs are static. `controllerUrl` is where Prometheus reaches
 * the controller's status port, e.g. http://ecsmesh.internal:8080.
 */
export function renderPrometheusConfig(monitoring: Monitoring, controllerUrl: string): string {
  const { prometheus } = monitoring.spec;
  const at = controllerPath(controllerUrl);
  const metrics = at(METRICS_PATH);
  return generatedYaml({
    global: {
      scrape_interval: formatDuration(prometheus.scrapeInterval),
      evaluation_interval: formatDuration(prometheus.evaluationInterval),
    },
    rule_files: [`${RULES_DIR}/*.yml`],
    scrape_configs: [
      { job_name: "linkerd", http_sd_configs: [{ url: at(SD_LINKERD_PATH).href }] },
      { job_name: "services", http_sd_configs: [{ url: at(SD_SERVICES_PATH).href }] },
      {
        job_name: "ecsmesh",
        scheme: metrics.protocol.slice(0, -1),
        metrics_path: metrics.pathname,
        static_configs: [{ targets: [hostPort(metrics)] }],
      },
      ...prometheus.extraJobs.map((job) => ({
        job_name: job.name,
        scheme: job.scheme,
        metrics_path: job.metricsPath,
        ...(job.scrapeInterval === undefined ? {} : { scrape_interval: formatDuration(job.scrapeInterval) }),
        static_configs: [{ targets: job.targets }],
      })),
    ],
  });
}

/** Resolves an absolute path below the controller URL, keeping any path prefix it has (a proxy's). */
function controllerPath(controllerUrl: string): (path: string) => URL {
  const base = new URL(controllerUrl);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  return (path) => new URL(path.slice(1), base);
}

/** Prometheus targets are host:port; an URL leaves out its scheme's default port. */
function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}
