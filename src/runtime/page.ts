import { type Html, html } from "./page-html.js";
import { PAGE_STYLE } from "./page-style.js";
import {
  type Condition,
  type ControllerStatus,
  type PassOutcome,
  RESOURCE_PHASES,
  type ResourcePhase,
  type ResourceStatus,
  resourcePhase,
} from "./status.js";

const REFRESH_SECONDS = 10;

type Tone = "ok" | "pending" | "bad" | "neutral";

const NONE = html`<span class="muted">—</span>`;

/**
 * The status page: one self-contained document (inline CSS, no script, no external asset) that
 * reloads itself, so it works under `Content-Security-Policy: default-src 'none'`.
 */
export function renderPage(status: ControllerStatus, now: Date): string {
  const ready = status.conditions.find((condition) => condition.type === "Ready");
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ecsmesh · ${readyLabel(ready)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
${header(status, ready, now)}
<main>
${conditionsSection(status.conditions, now)}
${resourcesSection(status.resources, now)}
${passesSection(status, now)}
${actionsSection(status, now)}
${errorsSection(status, now)}
${status.monitoring === undefined ? undefined : section("Monitoring", undefined, genericValue(status.monitoring, 0))}
</main>
<footer>Rendered ${now.toISOString()} · refreshes every ${REFRESH_SECONDS} s ·
<a href="/status">/status</a> · <a href="/metrics">/metrics</a></footer>
</body>
</html>
`;
  return page.markup;
}

function header(status: ControllerStatus, ready: Condition | undefined, now: Date): Html {
  const { source, leader } = status;
  return html`<header>
<div class="headline">
<h1>ecsmesh</h1>
${badge(readyLabel(ready), readyTone(ready))}
${ready === undefined ? html`<span class="muted">no pass has finished yet</span>` : html`<span><b>${ready.reason}</b> ${ready.message}</span>`}
</div>
<dl class="facts">
<dt>Source</dt><dd><code>${source.url}</code> <span class="muted">ref</span> <code>${source.ref}</code> <span class="muted">path</span> <code>${source.path}</code></dd>
<dt>Fetched revision</dt><dd>${revision(source.revision)}${source.fetchedAt === undefined ? undefined : html` <span class="muted">fetched ${time(source.fetchedAt, now)}</span>`}${source.error === undefined ? undefined : html`<div class="error">${source.error}</div>`}</dd>
<dt>Last applied</dt><dd>${revision(status.lastAppliedRevision)}</dd>
<dt>Last attempted</dt><dd>${revision(status.lastAttemptedRevision)}</dd>
<dt>Manifests digest</dt><dd>${revision(status.observedGeneration)}</dd>
<dt>Leader</dt><dd><code>${leader.identity}</code> ${leader.isLeader ? badge("leader", "ok") : badge("standby", "neutral")}${leader.since === undefined ? undefined : html` <span class="muted">since ${time(leader.since, now)}</span>`}${leader.isLeader || leader.reason === undefined ? undefined : html` <span><b>${leader.reason}</b> ${leader.message ?? ""}</span>`}</dd>
</dl>
</header>`;
}

function conditionsSection(conditions: readonly Condition[], now: Date): Html {
  return section(
    "Conditions",
    undefined,
    table(
      ["Type", "Status", "Reason", "Message", "Since"],
      conditions.map(
        (condition) => html`<tr>
<td>${condition.type}</td><td>${badge(condition.status, conditionTone(condition))}</td><td>${condition.reason}</td>
<td class="message">${condition.message}</td><td>${time(condition.lastTransitionTime, now)}</td></tr>`,
      ),
      "No conditions yet.",
    ),
  );
}

function resourcesSection(resources: readonly ResourceStatus[], now: Date): Html {
  const summary = RESOURCE_PHASES.map((phase) => ({
    phase,
    count: resources.filter((resource) => resourcePhase(resource) === phase).length,
  }))
    .filter(({ count }) => count > 0)
    .map(({ phase, count }) => `${count} ${phase.toLowerCase()}`)
    .join(" · ");
  return section(
    "Resources",
    summary,
    table(
      ["Kind", "Name", "Target", "Status", "Reason", "Message", "Revision", "Since"],
      resources.map((resource) => {
        const phase = resourcePhase(resource);
        return html`<tr>
<td>${resource.kind}</td><td><b>${resource.name}</b></td><td>${resource.target}</td><td>${badge(phase, PHASE_TONES[phase])}</td>
<td>${resource.reason}</td><td class="message">${resource.message}</td><td>${revision(resource.revision)}</td>
<td>${time(resource.lastTransitionTime, now)}</td></tr>`;
      }),
      "No resources yet.",
    ),
  );
}

function passesSection(status: ControllerStatus, now: Date): Html {
  const last = status.lastPass;
  const lead =
    last === undefined
      ? undefined
      : html`<p class="lead">Last pass ${badge(last.outcome, OUTCOME_TONES[last.outcome])} ${time(last.startedAt, now)}
in ${duration(last.durationMs)} at ${revision(last.revision)}: ${last.summary}</p>`;
  return section(
    "Passes",
    undefined,
    html`${lead}${table(
      ["Started", "Outcome", "Duration", "Revision", "Summary"],
      status.history.map(
        (pass) => html`<tr>
<td>${time(pass.startedAt, now)}</td><td>${badge(pass.outcome, OUTCOME_TONES[pass.outcome])}</td>
<td class="num">${duration(pass.durationMs)}</td><td>${revision(pass.revision)}</td><td class="message">${pass.summary}</td></tr>`,
      ),
      "No pass has run yet.",
    )}`,
  );
}

function actionsSection(status: ControllerStatus, now: Date): Html {
  return section(
    "Recent actions",
    undefined,
    table(
      ["When", "Target", "Resource", "Action", "Reason"],
      status.recentActions.map(
        (action) => html`<tr>
<td>${time(action.at, now)}</td><td>${action.target}</td><td><b>${action.resource}</b></td><td>${action.action}</td>
<td class="message">${action.reason}</td></tr>`,
      ),
      "Nothing changed recently.",
    ),
  );
}

function errorsSection(status: ControllerStatus, now: Date): Html {
  return section(
    "Recent errors",
    undefined,
    table(
      ["When", "Target", "Message"],
      status.recentErrors.map(
        (error) => html`<tr class="error-row">
<td>${time(error.at, now)}</td><td>${error.target}</td><td class="message">${error.message}</td></tr>`,
      ),
      "No recent errors.",
    ),
  );
}

function section(title: string, note: string | undefined, body: Html): Html {
  return html`<section>
<h2>${title}${note === undefined || note === "" ? undefined : html` <span class="muted">${note}</span>`}</h2>
${body}
</section>`;
}

function table(columns: readonly string[], rows: readonly Html[], empty: string): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<div class="scroll"><table>
<thead><tr>${columns.map((column) => html`<th>${column}</th>`)}</tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

function badge(label: string, tone: Tone): Html {
  return html`<span class="badge ${tone}">${label}</span>`;
}

function revision(text: string | undefined): Html {
  return text === undefined ? NONE : html`<code class="rev" title="${text}">${text}</code>`;
}

/** A relative age for reading at a glance, with the exact time kept in the markup. */
function time(iso: string, now: Date): Html {
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  return html`<time datetime="${iso}" title="${iso}">${Number.isNaN(seconds) ? iso : age(seconds, iso)}</time>`;
}

function age(seconds: number, iso: string): string {
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)}h ago`;
  if (seconds < 7 * 86_400) return `${Math.round(seconds / 86_400)}d ago`;
  // Older than a week, the date itself reads better than a count of days.
  return iso.slice(0, 10);
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

const MAX_DEPTH = 6;

/** Any JSON value as nested key/value lists, for blocks whose shape this page does not know. */
function genericValue(data: unknown, depth: number): Html {
  if (data === null || data === undefined) return NONE;
  if (typeof data !== "object") return html`${String(data)}`;
  if (depth >= MAX_DEPTH) return html`<code>${JSON.stringify(data)}</code>`;
  if (Array.isArray(data)) {
    if (data.length === 0) return NONE;
    return html`<ul class="kv-list">${data.map((item: unknown) => html`<li>${genericValue(item, depth + 1)}</li>`)}</ul>`;
  }
  const entries = Object.entries(data).map(
    ([key, item]) => html`<dt>${key}</dt><dd>${genericValue(item, depth + 1)}</dd>`,
  );
  return html`<dl class="kv">${entries}</dl>`;
}

function readyLabel(ready: Condition | undefined): string {
  if (ready?.status === "True") return "Ready";
  if (ready?.status === "False") return "Not ready";
  return "Unknown";
}

function readyTone(ready: Condition | undefined): Tone {
  return ready === undefined ? "neutral" : conditionTone(ready);
}

/** Green is good whatever the type: Ready=True, but Stalled=False. */
function conditionTone(condition: Condition): Tone {
  if (condition.status === "Unknown") return "pending";
  const isTrue = condition.status === "True";
  switch (condition.type) {
    case "Ready":
      return isTrue ? "ok" : "bad";
    case "Reconciling":
      return isTrue ? "pending" : "neutral";
    case "Stalled":
      return isTrue ? "bad" : "neutral";
    case "Leader":
      // A standby replica is normal; why it stands by is in the message.
      return isTrue ? "ok" : "neutral";
  }
}

const PHASE_TONES: Record<ResourcePhase, Tone> = { Ready: "ok", Reconciling: "pending", Stalled: "bad" };

const OUTCOME_TONES: Record<PassOutcome, Tone> = {
  applied: "ok",
  unchanged: "neutral",
  failed: "bad",
  invalid: "bad",
};
