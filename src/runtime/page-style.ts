import { Html } from "./page-html.js";

/** The status page's stylesheet: inline because the page's CSP allows no external asset. */
export const PAGE_STYLE = new Html(`
:root {
  --bg: #f5f6f8; --card: #fff; --text: #1d2330; --muted: #697386; --line: #e3e6eb; --code: #eef0f4;
  --ok: #137333; --ok-bg: #e6f4ea; --pending: #8a5a00; --pending-bg: #fff4d6;
  --bad: #b3261e; --bad-bg: #fce8e6; --neutral: #4a5263; --neutral-bg: #eceef2;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c; --card: #1c2027; --text: #e4e7ec; --muted: #98a1b0; --line: #2c323c; --code: #262b34;
    --ok: #7fd99a; --ok-bg: #18331f; --pending: #f2c660; --pending-bg: #3a2f12;
    --bad: #ff9a8f; --bad-bg: #43201d; --neutral: #c2c8d2; --neutral-bg: #2c323c;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
.headline { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
.headline > span { min-width: 0; overflow-wrap: anywhere; }
h1 { font-size: 22px; margin: 0; letter-spacing: -0.01em; }
h2 { font-size: 15px; margin: 0 0 10px; }
.facts {
  display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 14px 0 0;
  background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px;
}
.facts dt { color: var(--muted); }
.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
section {
  background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 14px 16px; margin: 16px 0;
}
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px 6px 0; border-top: 1px solid var(--line); }
th { border-top: none; color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: 0.03em; }
td { white-space: nowrap; }
td.message { white-space: normal; min-width: 16em; overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--code); padding: 1px 5px; border-radius: 4px; }
code.rev { display: inline-block; max-width: 22ch; overflow: hidden; text-overflow: ellipsis; vertical-align: bottom; white-space: nowrap; }
.facts code.rev { max-width: 100%; white-space: normal; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.ok { color: var(--ok); background: var(--ok-bg); }
.badge.pending { color: var(--pending); background: var(--pending-bg); }
.badge.bad { color: var(--bad); background: var(--bad-bg); }
.badge.neutral { color: var(--neutral); background: var(--neutral-bg); }
.headline .badge { font-size: 14px; padding: 2px 12px; }
.muted, .empty { color: var(--muted); }
.empty { margin: 0; }
.lead { margin: 0 0 10px; }
.error { color: var(--bad); margin-top: 2px; }
.error-row td.message { color: var(--bad); }
time { color: var(--muted); }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.kv-list { margin: 0; padding-left: 18px; }
footer { color: var(--muted); font-size: 12px; padding-bottom: 24px; }
a { color: inherit; }
`);
