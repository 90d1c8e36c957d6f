/**
 * The part of Grafana's dashboard JSON model (schemaVersion 39) the controller writes. Plain data:
 * what is rendered here is exactly what a provisioning file holds and what the HTTP API receives.
 */

export const SCHEMA_VERSION = 39;

/** Panels name the datasource through the `DS_PROMETHEUS` variable, so any Prometheus datasource fits. */
export interface DatasourceRef {
  readonly type: "prometheus";
  readonly uid: string;
}

export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Target {
  readonly refId: string;
  readonly datasource: DatasourceRef;
  /** PromQL, possibly with `$variable` references. */
  readonly expr: string;
  readonly legendFormat: string;
  readonly range: true;
}

export interface Thresholds {
  readonly mode: "absolute";
  readonly steps: readonly { readonly color: string; readonly value: number | null }[];
}

export interface FieldDefaults {
  readonly unit: string;
  readonly min?: number;
  readonly max?: number;
  readonly thresholds?: Thresholds;
}

/** A timeseries or stat panel: always at least one query. */
export interface QueryPanel {
  readonly id: number;
  readonly type: "timeseries" | "stat";
  readonly title: string;
  readonly gridPos: GridPos;
  readonly datasource: DatasourceRef;
  readonly targets: readonly Target[];
  readonly fieldConfig: { readonly defaults: FieldDefaults; readonly overrides: readonly never[] };
  readonly options: Readonly<Record<string, unknown>>;
}

/** A section header; `repeat` makes Grafana draw the row once per value of that variable. */
export interface RowPanel {
  readonly id: number;
  readonly type: "row";
  readonly title: string;
  readonly gridPos: GridPos;
  readonly collapsed: false;
  readonly panels: readonly never[];
  readonly repeat?: string;
}

export type Panel = QueryPanel | RowPanel;

export interface DatasourceVariable {
  readonly type: "datasource";
  readonly name: string;
  readonly label: string;
  readonly query: "prometheus";
  readonly current: Readonly<Record<string, never>>;
  readonly hide: 0;
  readonly refresh: 1;
  readonly regex: "";
  readonly options: readonly never[];
}

export interface QueryVariable {
  readonly type: "query";
  readonly name: string;
  readonly label: string;
  readonly datasource: DatasourceRef;
  /** A Grafana `label_values(...)` query, not PromQL. */
  readonly query: string;
  readonly definition: string;
  readonly multi: boolean;
  readonly includeAll: boolean;
  /** What `$name` stands for when "All" is selected: a regex, so every matcher on it is `=~`. */
  readonly allValue?: string;
  readonly current: Readonly<Record<string, unknown>>;
  readonly hide: 0;
  /** 2: refreshed when the time range changes, so new instances and clients show up. */
  readonly refresh: 2;
  readonly sort: 1;
  readonly regex: "";
  readonly options: readonly never[];
}

export type Variable = DatasourceVariable | QueryVariable;

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly timezone: "browser";
  readonly schemaVersion: typeof SCHEMA_VERSION;
  /** Managed from manifests: an edit in the UI would be overwritten by the next push. */
  readonly editable: false;
  /** 1: a shared crosshair, as linkerd-viz had. */
  readonly graphTooltip: 1;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly templating: { readonly list: readonly Variable[] };
  readonly annotations: { readonly list: readonly never[] };
  readonly links: readonly never[];
  readonly panels: readonly Panel[];
}

export const isQueryPanel = (panel: Panel): panel is QueryPanel => panel.type !== "row";
