import { type Dashboard, type Panel, SCHEMA_VERSION, type Variable } from "./model.js";
import type { PanelDraft } from "./panels.js";
import { DATASOURCE_VARIABLE } from "./variables.js";

/** A run of panels under an optional row header. */
export interface Section {
  readonly row?: { readonly title: string; readonly repeat?: string };
  readonly panels: readonly PanelDraft[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  /** Besides the datasource variable, which every dashboard gets first. */
  readonly variables?: readonly Variable[];
  readonly sections: readonly Section[];
}

const GRID_COLUMNS = 24;
const ROW_HEIGHT = 1;

/**
 * Lays panels out left to right, wrapping at Grafana's 24 columns, and numbers them in order, so
 * the same spec always gives the same ids and positions (and an unchanged dashboard is never pushed).
 */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const panels: Panel[] = [];
  let y = 0;
  for (const { row, panels: drafts } of spec.sections) {
    if (row) {
      panels.push({
        id: panels.length + 1,
        type: "row",
        title: row.title,
        gridPos: { x: 0, y, w: GRID_COLUMNS, h: ROW_HEIGHT },
        collapsed: false,
        panels: [],
        ...(row.repeat ? { repeat: row.repeat } : {}),
      });
      y += ROW_HEIGHT;
    }
    let x = 0;
    let lineHeight = 0;
    for (const { width, height, ...panel } of drafts) {
      if (x + width > GRID_COLUMNS) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      panels.push({ ...panel, id: panels.length + 1, gridPos: { x, y, w: width, h: height } });
      x += width;
      lineHeight = Math.max(lineHeight, height);
    }
    y += lineHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    tags: ["ecsmesh", ...spec.tags],
    timezone: "browser",
    schemaVersion: SCHEMA_VERSION,
    editable: false,
    graphTooltip: 1,
    refresh: "30s",
    time: { from: "now-1h", to: "now" },
    templating: { list: [DATASOURCE_VARIABLE, ...(spec.variables ?? [])] },
    annotations: { list: [] },
    links: [],
    panels,
  };
}
