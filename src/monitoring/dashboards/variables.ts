import type { DatasourceVariable, QueryVariable } from "./model.js";
import { PROMETHEUS } from "./panels.js";

/**
 * The datasource picker every dashboard starts with. Grafana preselects the default Prometheus
 * datasource, so neither provisioning nor the API push has to know a datasource uid.
 */
export const DATASOURCE_VARIABLE: DatasourceVariable = {
  type: "datasource",
  name: "DS_PROMETHEUS",
  label: "Prometheus",
  query: "prometheus",
  current: {},
  hide: 0,
  refresh: 1,
  regex: "",
  options: [],
};

/** A variable whose values Grafana reads with `label_values(<series>, <label>)`. */
export function labelVariable(
  name: string,
  label: string,
  series: string,
  labelName: string,
  choice: "one" | "many",
): QueryVariable {
  const query = `label_values(${series}, ${labelName})`;
  const many = choice === "many";
  return {
    type: "query",
    name,
    label,
    datasource: PROMETHEUS,
    query,
    definition: query,
    multi: many,
    includeAll: many,
    // "All" as one regex rather than an alternation of every value: short, and it takes new values at once.
    ...(many ? { allValue: ".*" } : {}),
    current: many ? { selected: true, text: ["All"], value: ["$__all"] } : {},
    hide: 0,
    refresh: 2,
    sort: 1,
    regex: "",
    options: [],
  };
}
