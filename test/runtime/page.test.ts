import { describe, expect, it } from "vitest";
import { renderPage } from "../../src/runtime/page.js";
import { escapeHtml, html } from "../../src/runtime/page-html.js";
import { initialStatus } from "../../src/runtime/status.js";
import { HOSTILE_NAME, NOW, REVISION, sampleStatus } from "./status-fixture.js";

const ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;";

describe("html", () => {
  it("escapes every interpolated value, in content and in attributes", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
    const name = `"><img src=x onerror=alert(1)>`;
    expect(html`<td title="${name}">${name}</td>`.markup).toBe(
      '<td title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>',
    );
  });

  it("nests fragments and lists without escaping them twice", () => {
    const items = ["a<b", "c&d"].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>${undefined}${3}`.markup).toBe("<ul><li>a&lt;b</li><li>c&amp;d</li></ul>3");
  });
});

describe("the status page", () => {
  const page = renderPage(sampleStatus(), NOW);

  it("escapes a hostile resource name everywhere it appears", () => {
    expect(page).not.toContain(HOSTILE_NAME);
    expect(page).toContain(`<b>${ESCAPED}</b>`);
    expect(page).not.toMatch(/<script/i);
  });

  it("escapes hostile text in every part of the model", () => {
    const status = sampleStatus();
    const evil = (label: string) => `<i>${label}</i>`;
    const hostile = renderPage(
      {
        ...status,
        source: {
          url: evil("url"),
          ref: evil("ref"),
          path: evil("path"),
          revision: evil("rev"),
          error: evil("error"),
        },
        observedGeneration: evil("generation"),
        lastAppliedRevision: evil("applied"),
        lastAttemptedRevision: evil("attempted"),
        conditions: status.conditions.map((condition) => ({
          ...condition,
          reason: evil("reason"),
          message: evil("msg"),
        })),
        resources: status.resources.map((resource) => ({
          ...resource,
          kind: evil("kind"),
          message: evil("rmsg"),
        })),
        recentActions: [
          { at: evil("at"), target: evil("t"), resource: evil("r"), action: evil("a"), reason: evil("why") },
        ],
        recentErrors: [{ at: NOW.toISOString(), target: evil("et"), message: evil("em") }],
        leader: { isLeader: false, identity: evil("who") },
        monitoring: { [evil("key")]: [evil("item"), { nested: evil("deep") }] },
      },
      NOW,
    );
    expect(hostile).not.toContain("<i>");
    expect(hostile.match(/&lt;i&gt;/g)?.length).toBeGreaterThanOrEqual(20);
  });

  it("is self-contained and refreshes itself", () => {
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<meta http-equiv="refresh" content="10">');
    expect(page).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(page).not.toMatch(/\bsrc=/i);
    expect(page).toContain("<style>");
  });

  it("shows the source, the revisions and the controller's Ready condition in the header", () => {
    const header = page.slice(page.indexOf("<header>"), page.indexOf("</header>"));
    expect(header).toContain("https://github.com/acme/mesh-config.git");
    expect(header).toContain("clusters/l5d-demo");
    expect(header).toContain(REVISION);
    expect(header).toContain("sha256:9e1c0d5f2a7b");
    expect(header).toContain('<span class="badge ok">Ready</span>');
    expect(header).toContain("ecsmesh-7d9f-abc12");
  });

  it("gives every resource a row with its phase badge", () => {
    expect(page).toContain("3 ready · 1 reconciling · 1 stalled");
    for (const [name, badge] of [
      ["hello", '<span class="badge pending">Reconciling</span>'],
      ["world", '<span class="badge ok">Ready</span>'],
      ["world-v2", '<span class="badge bad">Stalled</span>'],
    ] as const) {
      const row = page.slice(page.indexOf(`<b>${name}</b>`));
      expect(row.slice(0, row.indexOf("</tr>"))).toContain(badge);
    }
    expect(page).toContain("l5d-demo-hello:7");
  });

  it("shows the passes, actions, errors and the monitoring block", () => {
    expect(page).toContain("8.3 s");
    expect(page).toContain("1 updated, 1 created, 3 unchanged");
    expect(page).toContain("412 ms");
    expect(page).toContain("weights changed");
    expect(page).toContain("connect ECONNREFUSED 10.0.0.4:8500");
    expect(page).toContain("<dt>dashboards</dt>");
    expect(page).toContain("linkerd-health");
    expect(page).toContain(
      '<time datetime="2025-06-02T11:59:00.000Z" title="2025-06-02T11:59:00.000Z">1m ago</time>',
    );
  });

  it("reads sensibly before anything has happened", () => {
    const empty = renderPage(
      initialStatus({ url: "https://example.com/r.git", ref: "main", path: "." }, "pod-1"),
      NOW,
    );
    expect(empty).toContain('<span class="badge neutral">Unknown</span>');
    expect(empty).toContain("No resources yet.");
    expect(empty).toContain("No pass has run yet.");
    expect(empty).toContain("standby");
    expect(empty).not.toContain("Monitoring");
  });
});
