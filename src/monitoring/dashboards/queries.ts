import { type Dashboard, isQueryPanel } from "./model.js";

/** What a query variable stands for when a query runs outside Grafana: any value. */
const ANY = ".*";

/** `$name`, `${name}` (optionally `${name:format}`) and the deprecated `[[name]]`. */
const REFERENCE = /\$(\w+)|\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]/g;

/**
 * Every panel query of the dashboards, once each, with each dashboard's template variables replaced
 * by `.*`, so the list can be run against a real Prometheus as it is. Every variable a query uses
 * is matched with `=~`, which is what makes `.*` stand for "All". A reference to a variable the
 * dashboard does not define is an error.
 */
export function dashboardQueries(dashboards: readonly Dashboard[]): string[] {
  const queries = new Set<string>();
  for (const dashboard of dashboards) {
    const variables = new Set(dashboard.templating.list.map((variable) => variable.name));
    for (const panel of dashboard.panels.filter(isQueryPanel)) {
      for (const { expr } of panel.targets) {
        queries.add(
          expr.replace(REFERENCE, (reference, plain?: string, braced?: string, bracketed?: string) => {
            if (!variables.has(plain ?? braced ?? bracketed ?? "")) {
              throw new Error(
                `dashboard ${dashboard.uid}, panel "${panel.title}": unknown variable ${reference}`,
              );
            }
            return ANY;
          }),
        );
      }
    }
  }
  return [...queries];
}
