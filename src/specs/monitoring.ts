import path from "node:path";
import { z } from "zod";
import { HttpUrl, ImageReference, manifestOf, Name, Port } from "./common.js";
import { duration } from "./duration.js";
import { AlertTemplate, PromqlText } from "./prometheus-text.js";

/**
 * Where the generated files go, relative to the controller's --workdir and never outside it: a
 * manifest from git must not make the controller write anywhere else. The file writer checks
 * again, symlinks included (`writeChangedFiles`).
 */
const DeliveryDirectory = z
  .string()
  .min(1)
  .refine((directory) => !path.posix.isAbsolute(directory), {
    error: "must be a path relative to the controller's --workdir, not an absolute one",
    abort: true,
  })
  .refine(
    (directory) => {
      const normalised = path.posix.normalize(directory);
      return normalised !== ".." && !normalised.startsWith("../");
    },
    { error: `must stay inside the controller's --workdir: ".." leads out of it` },
  );

const ScrapeTarget = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d+$/, { error: "expected host:port" })
  .refine((target) => Port.safeParse(Number(target.slice(target.lastIndexOf(":") + 1))).success, {
    error: "the port must be 1 to 65535",
  });

const ExtraJob = z.strictObject({
  name: Name,
  targets: z.array(ScrapeTarget).min(1),
  metricsPath: z.string().startsWith("/").default("/metrics"),
  scheme: z.enum(["http", "https"]).default("http"),
  scrapeInterval: duration({ min: "1s" }).optional(),
});

const Alert = z.strictObject({
  /** Prometheus alert names are identifiers, conventionally CamelCase. */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "alert names are letters, digits and '_'" }),
  /** PromQL, parsed with Prometheus's own grammar at validate time (and by promtool when rendered). */
  expr: PromqlText,
  for: duration().prefault("5m"),
  severity: z.enum(["critical", "warning", "info"]).default("warning"),
  summary: AlertTemplate.min(1),
  description: AlertTemplate.optional(),
  labels: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "label names are letters, digits and '_'" }),
      AlertTemplate,
    )
    .default({}),
});

export const MonitoringSpec = z.strictObject({
  prometheus: z
    .strictObject({
      scrapeInterval: duration({ min: "1s" }).prefault("15s"),
      evaluationInterval: duration({ min: "1s" }).prefault("15s"),
      extraJobs: z.array(ExtraJob).default([]),
      alerts: z.array(Alert).default([]),
    })
    .prefault({}),
  grafana: z
    .strictObject({
      dashboards: z
        .array(z.enum(["linkerd-viz", "linkerd-health", "services", "controller"]))
        .default(["linkerd-viz", "linkerd-health", "services", "controller"]),
      folder: z.string().min(1).default("ecs-mesh"),
    })
    .prefault({}),
  delivery: z
    .strictObject({
      /** Write prometheus.yml, rule files and Grafana provisioning files here, under the controller's --workdir. */
      directory: DeliveryDirectory.optional(),
      /** Push dashboards through Grafana's HTTP API; the token comes from GRAFANA_TOKEN only. */
      grafanaUrl: HttpUrl.optional(),
      /** Run Prometheus and Grafana as ECS services, as linkerd-viz did. */
      ecs: z
        .strictObject({
          prometheusImage: ImageReference.default("prom/prometheus:v3.5.0"),
          grafanaImage: ImageReference.default("grafana/grafana:12.1.0"),
        })
        .optional(),
    })
    .prefault({}),
});

export const Monitoring = manifestOf("Monitoring", MonitoringSpec);
export type Monitoring = z.infer<typeof Monitoring>;
