import { parser } from "@prometheus-io/lezer-promql";
import { z } from "zod";
import type { TextPosition } from "./dtab-text.js";
import { positionInText } from "./yaml-source.js";

/** Where `offset` is in `text`, for an issue the loader points into the YAML scalar. */
function textPosition(text: string, offset: number): TextPosition {
  const { line, column } = positionInText(text, offset);
  return { textLine: line, textColumn: column };
}

/** Where Prometheus's own grammar (lezer-promql) stops understanding `expr`, or undefined when it parses. */
export function promqlErrorOffset(expr: string): number | undefined {
  let offset: number | undefined;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError && offset === undefined) offset = node.from;
      return offset === undefined;
    },
  });
  return offset;
}

/** PromQL, parsed when the manifests are validated rather than when Prometheus loads the rules. */
export const PromqlText = z
  .string()
  .min(1)
  .superRefine((expr, ctx) => {
    const offset = promqlErrorOffset(expr);
    if (offset === undefined) return;
    const near = expr.slice(offset).trim().split(/\s/)[0] || "the end";
    const params = textPosition(expr, offset);
    ctx.addIssue({ code: "custom", message: `PromQL does not parse at ${JSON.stringify(near)}`, params });
  });

/**
 * Functions an alert template may call: Go's text/template built-ins and Prometheus's own
 * (https://prometheus.io/docs/prometheus/latest/configuration/template_reference/).
 */
const TEMPLATE_FUNCTIONS = new Set([
  ...["and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js", "urlquery"],
  ...["eq", "ne", "lt", "le", "gt", "ge", "call", "nil", "true", "false"],
  ...["query", "first", "label", "value", "sortByLabel", "strvalue", "args", "tmpl", "safeHtml"],
  ...["humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp"],
  ...["title", "toUpper", "toLower", "match", "reReplaceAll", "graphLink", "tableLink", "pathPrefix"],
  ...["externalURL", "parseDuration", "stripPort", "stripDomain", "toTime", "toDuration", "now"],
]);
const OPENING_KEYWORDS = new Set(["if", "range", "with", "define", "block"]);
const OTHER_KEYWORDS = new Set(["else", "end", "template", "break", "continue"]);

/** What is wrong with a Go text/template (a reasonable subset of its checks), and where. */
export function templateProblem(text: string): { offset: number; message: string } | undefined {
  const open: number[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf("{{", from);
    const stray = text.indexOf("}}", from);
    if (stray >= 0 && (start < 0 || stray < start)) return { offset: stray, message: `"}}" without "{{"` };
    if (start < 0) break;
    const end = text.indexOf("}}", start + 2);
    if (end < 0) return { offset: start, message: `"{{" is never closed with "}}"` };
    const action = text
      .slice(start + 2, end)
      .replace(/^-\s|\s-$/g, "")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/"(?:\\.|[^"\\])*"|`[^`]*`|'(?:\\.|[^'\\])*'/g, '""');
    const words = action.match(/(?<![.$\w])[A-Za-z_]\w*/g) ?? [];
    const first = words[0];
    if (first && OPENING_KEYWORDS.has(first) && action.trim().startsWith(first)) open.push(start);
    if (first === "end" && action.trim() === "end" && open.pop() === undefined) {
      return { offset: start, message: "{{ end }} without an {{ if }}, {{ range }} or {{ with }}" };
    }
    const unknown = words.find(
      (word) => !TEMPLATE_FUNCTIONS.has(word) && !OPENING_KEYWORDS.has(word) && !OTHER_KEYWORDS.has(word),
    );
    if (unknown) {
      return { offset: start, message: `unknown function "${unknown}" (fields are .Name, variables $name)` };
    }
    from = end + 2;
  }
  const unclosed = open.pop();
  return unclosed === undefined ? undefined : { offset: unclosed, message: "never closed with {{ end }}" };
}

/** Text Prometheus expands as a Go template (alert summaries, descriptions, labels). */
export const AlertTemplate = z.string().superRefine((text, ctx) => {
  const problem = templateProblem(text);
  if (!problem) return;
  const params = textPosition(text, problem.offset);
  ctx.addIssue({ code: "custom", message: `invalid template: ${problem.message}`, params });
});
