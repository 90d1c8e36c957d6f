import { buildDashboard } from "./layout.js";
import type { Dashboard } from "./model.js";
import { lowerIsBetter, MILLISECONDS, RATIO, stat, timeseries } from "./panels.js";
import { labelVariable } from "./variables.js";

const LINKERD_HEALTH_UID = "linkerd-health";

const INSTANCES = `instance=~"$instance"`;

/** One line per linkerd instance. */
const perInstance = (expr: string) => [{ expr, legend: "{{instance}}" }];

/**
 * linkerd-viz 0.2.0's JVM health dashboard for the linkerd processes. The per-collector GC and
 * memory-pool panels are left out: their series are named after the JVM's collector (CMS, ParNew),
 * which depends on the linkerd image's JVM flags; the totals below exist on every JVM.
 */
export function linkerdHealthDashboard(): Dashboard {
  return buildDashboard({
    uid: LINKERD_HEALTH_UID,
    title: "linkerd-health",
    tags: ["linkerd"],
    variables: [labelVariable("instance", "Instance", "jvm:uptime", "instance", "many")],
    sections: [
      {
        panels: [
          stat(
            "linkerd Instances",
            { expr: `count(count by (instance) (jvm:uptime{${INSTANCES}}))` },
            { width: 6 },
          ),
          stat("Average Uptime", { expr: `avg(jvm:uptime{${INSTANCES}})` }, { ...MILLISECONDS, width: 6 }),
          stat("Global CPUs Available", { expr: `sum(jvm:num_cpus{${INSTANCES}})` }, { width: 6 }),
          stat(
            "Global Memory Usage",
            { expr: `sum(jvm:heap:used{${INSTANCES}}) / sum(jvm:heap:max{${INSTANCES}})` },
            { ...RATIO, thresholds: lowerIsBetter(0.8, 0.9), width: 6 },
          ),
        ],
      },
      {
        row: { title: "GC" },
        panels: [
          timeseries("GC Cycles", perInstance(`irate(jvm:gc:cycles{${INSTANCES}}[1m])`), {
            unit: "ops",
            min: 0,
            width: 12,
          }),
          // Milliseconds of collection per second of wall time.
          timeseries("GC Time Spent", perInstance(`irate(jvm:gc:msec{${INSTANCES}}[1m])`), {
            ...MILLISECONDS,
            width: 12,
          }),
        ],
      },
      {
        row: { title: "Memory" },
        panels: [
          timeseries("Heap Bytes Used", perInstance(`jvm:heap:used{${INSTANCES}}`), {
            unit: "bytes",
            min: 0,
            width: 12,
          }),
          timeseries("Heap % Used", perInstance(`jvm:heap:used{${INSTANCES}} / jvm:heap:max{${INSTANCES}}`), {
            ...RATIO,
            width: 12,
          }),
        ],
      },
      {
        row: { title: "Resources" },
        panels: [
          timeseries("Threads", perInstance(`jvm:thread:count{${INSTANCES}}`), { min: 0 }),
          timeseries("File Descriptors", perInstance(`jvm:fd_count{${INSTANCES}}`), { min: 0 }),
          timeseries("Uptime", perInstance(`jvm:uptime{${INSTANCES}}`), MILLISECONDS),
        ],
      },
    ],
  });
}
