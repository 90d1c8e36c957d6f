import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  visit,
} from "yaml";
import type { Diagnostic, FieldPath } from "./diagnostic.js";
import { formatFieldPath } from "./diagnostic.js";

/** One YAML document with what is needed to point back into its file. */
export interface SourceDocument {
  readonly file: string;
  readonly index: number;
  readonly document: Document.Parsed;
  readonly lines: LineCounter;
  readonly text: string;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Alias expansions allowed per document before it counts as a "billion laughs" bomb. */
export const MAX_ALIAS_EXPANSIONS = 100;

/** The 1-based line and column of `offset` in `text`, for text not (yet) parsed as YAML. */
export function positionInText(text: string, offset: number): Position {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Flow collections (`[[[...]]]`) nested deeper than this are refused before parsing: the parser recurses. */
export const MAX_FLOW_DEPTH = 64;

/** Every document in a file, also those with syntax errors (to be read no further than kind and name). */
export function parseYamlFile(
  file: string,
  text: string,
): { documents: SourceDocument[]; errors: Diagnostic[] } {
  const lines = new LineCounter();
  const refused = refusedText(text);
  if (refused) {
    const at = positionInText(text, refused.offset);
    const error: Diagnostic = { severity: "error", file, ...at, path: "", message: refused.message };
    return { documents: [], errors: [error] };
  }
  // `merge: true`: `<<: *defaults` merges a mapping, as most YAML users expect.
  const parsed = parseAllDocuments(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  const documents: SourceDocument[] = [];
  const errors: Diagnostic[] = [];
  // parseAllDocuments returns an EmptyStream (not an array) for a file with no documents.
  const all = Array.isArray(parsed) ? parsed : [];
  all.forEach((document, index) => {
    const problems = [...document.errors, ...document.warnings];
    for (const problem of problems) {
      const at = lines.linePos(problem.pos[0]);
      // An unresolved tag (`!Ref`, `!GetAtt`) is read as a plain string: never what its author meant.
      const isError = document.errors.includes(problem) || problem.code === "TAG_RESOLVE_FAILED";
      errors.push({
        severity: isError ? "error" : "warning",
        file,
        line: at.line,
        column: at.col,
        path: "",
        message: `YAML: ${firstLine(problem.message)}`,
      });
    }
    documents.push({ file, index, document, lines, text });
  });
  return { documents, errors };
}

/**
 * Text the YAML parser must not see: NUL bytes (a binary file, or a string the shell cut short) and
 * flow collections nested past MAX_FLOW_DEPTH. A lexical scan: quoted strings and comments are skipped.
 */
function refusedText(text: string): { offset: number; message: string } | undefined {
  const nul = text.indexOf("\0");
  if (nul >= 0) return { offset: nul, message: "a NUL byte: manifests are text, not binary files" };
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const startsToken = i === 0 || /[\s[{,:]/.test(text[i - 1] ?? "");
    if ((char === '"' || char === "'") && startsToken) i = closingQuote(text, i);
    else if (char === "#" && startsToken) {
      const lineEnd = text.indexOf("\n", i);
      i = lineEnd < 0 ? text.length : lineEnd;
    } else if (char === "[" || char === "{") {
      depth++;
      if (depth > MAX_FLOW_DEPTH) {
        return { offset: i, message: `YAML: flow collections nested more than ${MAX_FLOW_DEPTH} deep` };
      }
    } else if ((char === "]" || char === "}") && depth > 0) depth--;
  }
  return undefined;
}

/** The index of the quote closing the one at `start` (`\"` escapes in double quotes, `''` in single). */
function closingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return text.length;
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

/** Converts a document to plain data, refusing alias bombs; `undefined` for an empty document. */
export function toPlainData(source: SourceDocument): { value: unknown } | { error: Diagnostic } {
  try {
    return { value: source.document.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS }) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const at = unresolvedAliasPosition(source, reason) ?? positionOf(source, []);
    return {
      error: {
        severity: "error",
        file: source.file,
        ...at,
        path: "",
        message: /excessive alias count/i.test(reason)
          ? `YAML aliases expand too much (more than ${MAX_ALIAS_EXPANSIONS} expansions): refusing a possible alias bomb`
          : `YAML: ${reason}`,
      },
    };
  }
}

/** Where the alias an "Unresolved alias ...: name" error names is used, rather than the document start. */
function unresolvedAliasPosition(source: SourceDocument, reason: string): Position | undefined {
  const name = /^Unresolved alias.*: (\S+)$/.exec(reason)?.[1];
  let offset: number | undefined;
  visit(source.document, {
    Alias: (_, alias) => {
      if (alias.source === name && offset === undefined) offset = alias.range?.[0];
    },
  });
  if (offset === undefined) return undefined;
  const at = source.lines.linePos(offset);
  return { line: at.line, column: at.col };
}

/**
 * The position of a field path: the value node where it exists, for a key the key itself,
 * otherwise the closest ancestor that exists (a missing field points at its parent).
 */
export function positionOf(
  source: SourceDocument,
  path: FieldPath,
  options: { key?: boolean } = {},
): Position {
  const node = nodeAt(source, path, options.key ?? false);
  const offset = node?.range?.[0] ?? source.document.contents?.range?.[0] ?? 0;
  const at = source.lines.linePos(offset);
  return { line: at.line, column: at.col };
}

function nodeAt(source: SourceDocument, path: FieldPath, wantKey: boolean): Node | undefined {
  let current: unknown = source.document.contents;
  let found = current as Node | undefined;
  for (const [i, segment] of path.entries()) {
    const isLast = i === path.length - 1;
    if (isMap(current)) {
      const pair = current.items.find(
        (item) => isPair(item) && isScalar(item.key) && item.key.value === segment,
      );
      // A field that came in through a merge key (`<<: *defaults`) is shown at the `<<`.
      const merge = current.items.find((item) => isScalar(item.key) && item.key.source === "<<");
      if (!pair) return (merge?.key as Node | undefined) ?? found;
      if (isLast && wantKey) return pair.key as Node;
      current = pair.value;
    } else if (isSeq(current) && typeof segment === "number") {
      current = current.items[segment];
    } else {
      return found;
    }
    if (current && typeof current === "object" && "range" in current) found = current as Node;
    else return found;
  }
  return found;
}

/** The text of a plain (unquoted) scalar as written, e.g. `1.10` for what YAML reads as 1.1. */
export function plainScalarText(source: SourceDocument, path: FieldPath): string | undefined {
  const node = nodeAt(source, path, false);
  return node && isScalar(node) && node.type === "PLAIN" ? node.source : undefined;
}

/**
 * Errors for unquoted values in the mapping at `path` that YAML reads as numbers or booleans whose
 * text then changes when turned back into a string: `1.10` (1.1), `0o17` (15), `1e3` (1000), big
 * integers (rounded), `.nan`. For maps whose values are stringified (env, logging options).
 */
export function changedScalarTexts(source: SourceDocument, path: FieldPath): Diagnostic[] {
  const map = source.document.getIn(path, true);
  if (!isMap(map)) return [];
  return map.items.flatMap((pair) => {
    const { key, value } = pair;
    if (!isScalar(key) || !isScalar(value) || value.type !== "PLAIN") return [];
    if (typeof value.value !== "number" && typeof value.value !== "boolean") return [];
    const text = value.source ?? "";
    const read = String(value.value);
    if (text === read) return [];
    const message = `YAML reads ${text} as ${typeof value.value} ${read}, which would be passed on as "${read}"; quote it: ${JSON.stringify(text)}`;
    return [diagnosticAt(source, [...path, String(key.value)], message)];
  });
}

/** Where a scalar's text starts in the file, and whether it is a block scalar (`|` / `>`). */
export function scalarOrigin(
  source: SourceDocument,
  path: FieldPath,
): { offset: number; block: boolean; quoted: boolean } | undefined {
  const node = nodeAt(source, path, false);
  if (!node || !isScalar(node) || !node.range) return undefined;
  return {
    offset: node.range[0],
    block: node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED",
    quoted: node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE",
  };
}

/**
 * Maps a line/column inside a scalar's value back to the file, so a dtab error points at the
 * character in the manifest. Exact for block literals and single-line scalars.
 */
export function positionInScalar(
  source: SourceDocument,
  path: FieldPath,
  line: number,
  column: number,
): Position {
  const origin = scalarOrigin(source, path);
  if (!origin) return positionOf(source, path);
  const start = source.lines.linePos(origin.offset);
  if (!origin.block) {
    return {
      line: start.line + line - 1,
      column: line === 1 ? start.col + column - 1 + (origin.quoted ? 1 : 0) : column,
    };
  }
  // A block scalar's content starts on the line after its header (`|`), indented.
  const contentLine = start.line + line;
  const lineStart = source.lines.lineStarts[contentLine - 1];
  if (lineStart === undefined) return { line: start.line, column: start.col };
  const indent = /^ */.exec(source.text.slice(lineStart))?.[0].length ?? 0;
  return { line: contentLine, column: indent + column };
}

export function diagnosticAt(
  source: SourceDocument,
  path: FieldPath,
  message: string,
  options: { key?: boolean; severity?: Diagnostic["severity"] } = {},
): Diagnostic {
  return {
    severity: options.severity ?? "error",
    file: source.file,
    ...positionOf(source, path, options),
    path: formatFieldPath(path),
    message,
  };
}

/** An exception thrown by a check, as an error at `path`: a bug in one check must not hide the rest of the report. */
export function failedCheck(source: SourceDocument, path: FieldPath, error: unknown): Diagnostic {
  const reason = error instanceof Error ? error.message : String(error);
  return diagnosticAt(source, path, `could not be checked (a bug in ecsmesh, please report it): ${reason}`);
}

/** Runs a check of one document, turning an exception into a positioned error (see failedCheck). */
export function checkSafely(
  source: SourceDocument,
  path: FieldPath,
  check: () => Diagnostic[],
): Diagnostic[] {
  try {
    return check();
  } catch (error) {
    return [failedCheck(source, path, error)];
  }
}
