/** What `ecsmesh render --only` picks; apart from render.ts so that `help` loads nothing heavy. */
export const RENDER_PARTS = ["ecs", "linkerd", "dtab", "consul", "prometheus", "grafana"] as const;
export type RenderPart = (typeof RENDER_PARTS)[number];
