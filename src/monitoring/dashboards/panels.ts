import type { DatasourceRef, FieldDefaults, QueryPanel, Thresholds } from "./model.js";

/** Every panel and query variable reads the datasource chosen in the `DS_PROMETHEUS` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
export const PROMETHEUS: DatasourceRef = { type: "prometheus", uid: "${DS_PROMETHEUS}" };

export interface Query {
  readonly expr: string;
  /** Grafana legend template, e.g. `{{client}}`; default: the series' labels. */
  readonly legend?: string;
}

export interface Style extends Partial<FieldDefaults> {
  /** Grid columns out of 24. */
  readonly width?: number;
}

/** A panel before layout: no id and no position yet, only its size. */
export type PanelDraft = Omit<QueryPanel, "id" | "gridPos"> & {
  readonly width: number;
  readonly height: number;
};

/** Styles shared across dashboards. */
export const RATIO: Style = { unit: "percentunit", min: 0, max: 1 };
export const PER_SECOND: Style = { unit: "reqps", min: 0 };
export const MILLISECONDS: Style = { unit: "ms", min: 0 };
export const SECONDS: Style = { unit: "s", min: 0 };

const TIMESERIES_OPTIONS = {
  legend: { displayMode: "list", placement: "bottom", showLegend: true },
  tooltip: { mode: "multi", sort: "desc" },
};

const STAT_OPTIONS = {
  reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
  colorMode: "value",
  graphMode: "area",
  justifyMode: "auto",
  orientation: "auto",
  textMode: "auto",
};

export function timeseries(title: string, queries: readonly Query[], style: Style = {}): PanelDraft {
  return draft("timeseries", title, queries, { width: 8, height: 8 }, style, TIMESERIES_OPTIONS);
}

/** A single number with a sparkline, like linkerd-viz's top-row singlestats. */
export function stat(title: string, query: Query, style: Style = {}): PanelDraft {
  return draft("stat", title, [query], { width: 4, height: 4 }, style, STAT_OPTIONS);
}

/** Red below `warn`, orange below `good`, green from `good` on (success rates). */
export const higherIsBetter = (warn: number, good: number): Thresholds => ({
  mode: "absolute",
  steps: [
    { color: "red", value: null },
    { color: "orange", value: warn },
    { color: "green", value: good },
  ],
});

/** Green below `warn`, orange below `bad`, red from `bad` on (memory use, staleness). */
export const lowerIsBetter = (warn: number, bad: number): Thresholds => ({
  mode: "absolute",
  steps: [
    { color: "green", value: null },
    { color: "orange", value: warn },
    { color: "red", value: bad },
  ],
});

function draft(
  type: QueryPanel["type"],
  title: string,
  queries: readonly Query[],
  size: { readonly width: number; readonly height: number },
  { width = size.width, unit = "short", ...limits }: Style,
  options: Record<string, unknown>,
): PanelDraft {
  if (queries.length === 0) throw new Error(`panel "${title}" has no query`);
  return {
    type,
    title,
    datasource: PROMETHEUS,
    targets: queries.map(({ expr, legend }, index) => ({
      refId: String.fromCharCode(65 + index),
      datasource: PROMETHEUS,
      expr,
      legendFormat: legend ?? "__auto",
      range: true,
    })),
    fieldConfig: { defaults: { unit, ...limits }, overrides: [] },
    options,
    width,
    height: size.height,
  };
}
