import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import { canonicalJson } from "../util/canonical-json.js";
import { type CompiledChecks, crossCheck, type Identity } from "./cross-check.js";
import { compareDiagnostics, type Diagnostic, type FieldPath } from "./diagnostic.js";
import { isTextPosition } from "./dtab-text.js";
import { isKind, KINDS, type Kind } from "./kinds.js";
import type { Loaded, ManifestSet } from "./manifest-set.js";
import type { Mesh } from "./mesh.js";
import type { Monitoring } from "./monitoring.js";
import type { Route } from "./route.js";
import { SCALAR_TEXT_MAPS, type Service } from "./service.js";
import { closest, fieldsAt } from "./suggest.js";
import {
  changedScalarTexts,
  diagnosticAt,
  parseYamlFile,
  plainScalarText,
  positionInScalar,
  positionInText,
  type SourceDocument,
  toPlainData,
} from "./yaml-source.js";

export interface LoadLimits {
  /** Larger files are refused before parsing. */
  readonly maxFileBytes: number;
  readonly maxFiles: number;
}

export const DEFAULT_LIMITS: LoadLimits = { maxFileBytes: 1024 * 1024, maxFiles: 5_000 };

export type LoadResult =
  | { readonly ok: true; readonly set: ManifestSet; readonly warnings: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export interface ManifestFile {
  readonly file: string;
  readonly text: string;
}

/** Hints for fields that are refused on purpose, keyed by their path suffix. */
const REFUSED_FIELDS: Record<string, string> = {
  "consul.token": "the Consul token is read from CONSUL_HTTP_TOKEN only, never from manifests",
};

/**
 * Reads every *.yaml / *.yml below `dir` (hidden folders and node_modules skipped) and loads them as
 * one set. `compiledChecks` come from the compile layer (src/compile/load.ts), which callers use.
 */
export async function loadManifestDir(
  dir: string,
  compiledChecks: CompiledChecks,
  limits: LoadLimits = DEFAULT_LIMITS,
): Promise<LoadResult> {
  let found: string[];
  const diagnostics: Diagnostic[] = [];
  try {
    found = await listManifestFiles(dir, diagnostics);
  } catch (error) {
    // A report, not an exception: `validate --output json` still prints one.
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, diagnostics: [directoryError(dir, `cannot read the manifest directory: ${reason}`)] };
  }
  if (found.length === 0) {
    const none = directoryError(dir, "no manifest files (*.yaml, *.yml) found");
    return { ok: false, diagnostics: [none, ...diagnostics] };
  }
  if (found.length > limits.maxFiles) {
    return {
      ok: false,
      diagnostics: [
        directoryError(dir, `${found.length} manifest files exceed the limit of ${limits.maxFiles}`),
      ],
    };
  }
  const files: ManifestFile[] = [];
  for (const file of found) {
    const size = (await stat(file)).size;
    if (size > limits.maxFileBytes) {
      diagnostics.push(
        directoryError(file, `file is ${size} bytes, over the ${limits.maxFileBytes}-byte limit`),
      );
      continue;
    }
    const decoded = decodeUtf8(file, await readFile(file));
    if ("error" in decoded) diagnostics.push(decoded.error);
    else files.push({ file, text: decoded.text });
  }
  const unread = found.filter((file) => !files.some((read) => read.file === file));
  const result = loadManifests(files, compiledChecks, unread);
  const rest = result.ok ? result.warnings : result.diagnostics;
  const all = [...diagnostics, ...rest].sort(compareDiagnostics);
  const fileRefused = diagnostics.some((d) => d.severity === "error");
  if (result.ok && !fileRefused) return { ...result, warnings: all };
  return { ok: false, diagnostics: all };
}

/**
 * The manifest files below `dir`. Nothing is skipped silently: a symlink is refused (the set is what
 * the folder holds, and a link may lead out of it), an upper-case `.YAML` is refused, and a file that
 * looks like a manifest but is not read (`mesh.yaml~`, `mesh.yaml.bak`, `mesh.json`) gets a warning.
 */
async function listManifestFiles(dir: string, diagnostics: Diagnostic[]): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      diagnostics.push(directoryError(full, "symbolic links are not followed: copy the manifest in instead"));
    } else if (entry.isDirectory()) {
      files.push(...(await listManifestFiles(full, diagnostics)));
    } else if (entry.isFile()) {
      if (MANIFEST_FILE.test(entry.name)) files.push(full);
      else diagnostics.push(...notReadDiagnostic(full, entry.name));
    }
  }
  return files;
}

const MANIFEST_FILE = /\.ya?ml$/;

/** For a file not read that looks like a manifest: an error for `.YAML`, a warning for `.yaml~`, `.json`. */
function notReadDiagnostic(file: string, name: string): Diagnostic[] {
  if (/\.ya?ml$/i.test(name)) {
    return [
      directoryError(file, "only lower-case .yaml and .yml files are read: rename it, e.g. to mesh.yaml"),
    ];
  }
  if (!/\.(ya?ml|json)/i.test(name)) return [];
  const skipped = directoryError(file, "skipped: only files ending in .yaml or .yml are read");
  return [{ ...skipped, severity: "warning" }];
}

/** Manifests are UTF-8; a stray Latin-1 byte would otherwise become U+FFFD without a word. */
function decodeUtf8(file: string, bytes: Buffer): { text: string } | { error: Diagnostic } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const text = new TextDecoder("utf-8").decode(bytes);
    const at = positionInText(text, text.indexOf("\uFFFD"));
    return { error: { ...directoryError(file, "not valid UTF-8: save the file as UTF-8"), ...at } };
  }
}

function directoryError(file: string, message: string): Diagnostic {
  return { severity: "error", file, line: 0, column: 0, path: "", message };
}

/** Loads a set of manifest files: all of it, typed and cross-checked, or every error found. */
export function loadManifests(
  files: readonly ManifestFile[],
  compiledChecks: CompiledChecks,
  unreadableFiles: readonly string[] = [],
): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const refused = [...unreadableFiles];
  const documents: { kind: Kind; manifest: unknown; source: SourceDocument }[] = [];
  const identities: Identity[] = [];
  const unreadable: Identity[] = [];
  for (const { file, text } of files) {
    const parsed = parseYamlFile(file, text);
    diagnostics.push(...parsed.errors);
    if (parsed.documents.length === 0 && parsed.errors.length > 0) refused.push(file);
    for (const source of parsed.documents) {
      if (source.document.errors.length > 0) {
        // Its YAML errors are reported above; only its kind and name are used, for references to it.
        const identity = statedIdentity(source);
        if (identity) unreadable.push(identity);
        continue;
      }
      const checked = checkDocument(source);
      if (checked.identity) identities.push(checked.identity);
      if ("diagnostics" in checked) diagnostics.push(...checked.diagnostics);
      else if (checked.identity)
        documents.push({ kind: checked.identity.kind, manifest: checked.manifest, source });
    }
  }
  const byKind = <T>(kind: Kind) =>
    documents
      .filter((d) => d.kind === kind)
      .map((d) => ({ manifest: d.manifest as T, source: d.source }) satisfies Loaded<T>);
  const meshes = byKind<Mesh>("Mesh");
  const services = byKind<Service>("Service");
  const routes = byKind<Route>("Route");
  const monitorings = byKind<Monitoring>("Monitoring");
  diagnostics.push(
    ...crossCheck(
      { identities, unreadable, unreadableFiles: refused, meshes, services, routes, monitorings },
      files[0]?.file ?? ".",
      compiledChecks,
    ),
  );

  const errors = diagnostics.filter((d) => d.severity === "error");
  const warnings = diagnostics.filter((d) => d.severity === "warning").sort(compareDiagnostics);
  const mesh = meshes[0];
  if (errors.length > 0 || !mesh) return { ok: false, diagnostics: diagnostics.sort(compareDiagnostics) };
  const monitoring = monitorings[0];
  const digest = digestOf(documents.map((d) => ({ kind: d.kind, manifest: d.manifest })));
  return { ok: true, set: { mesh, services, routes, monitoring, digest }, warnings };
}

/** What a document says it is; known even when its spec is invalid, so names can still be checked. */
function identityOf(kind: Kind, value: object, source: SourceDocument): Identity {
  const metadata = (value as { metadata?: { name?: unknown } }).metadata;
  const name = typeof metadata?.name === "string" ? metadata.name : undefined;
  return { kind, name, source };
}

/** Kind and name as far as a document with YAML errors gives them. */
function statedIdentity(source: SourceDocument): Identity | undefined {
  const kind = source.document.get("kind");
  const name = source.document.getIn(["metadata", "name"]);
  return isKind(kind) ? { kind, name: typeof name === "string" ? name : undefined, source } : undefined;
}

type Checked =
  | { identity?: Identity; manifest?: unknown }
  | { identity?: Identity; diagnostics: Diagnostic[] };

function checkDocument(source: SourceDocument): Checked {
  const plain = toPlainData(source);
  if ("error" in plain) return { diagnostics: [plain.error] };
  const value = plain.value;
  if (value === null || value === undefined) return {}; // an empty document, e.g. after a trailing `---`
  if (typeof value !== "object" || Array.isArray(value)) {
    return {
      diagnostics: [
        diagnosticAt(source, [], "a manifest must be a mapping with apiVersion, kind, metadata, spec"),
      ],
    };
  }
  const kind = (value as { kind?: unknown }).kind;
  if (!isKind(kind)) {
    const known = Object.keys(KINDS);
    const hint = typeof kind === "string" ? closest(kind, known) : undefined;
    const message =
      kind === undefined
        ? `missing kind; expected one of ${known.join(", ")}`
        : `unknown kind ${JSON.stringify(kind)}; expected one of ${known.join(", ")}${hint ? ` (did you mean ${hint}?)` : ""}`;
    return { diagnostics: [diagnosticAt(source, kind === undefined ? [] : ["kind"], message)] };
  }
  const identity = identityOf(kind, value, source);
  const schema: z.ZodType = KINDS[kind];
  const result = schema.safeParse(value, { reportInput: true });
  const changedTexts =
    kind === "Service" ? SCALAR_TEXT_MAPS.flatMap((at) => changedScalarTexts(source, at)) : [];
  if (result.success && changedTexts.length === 0) return { identity, manifest: result.data };
  const issues = result.success ? [] : result.error.issues;
  const reported = new Set(changedTexts.map((d) => d.path));
  const described = issues
    .flatMap((issue) => describeIssue(schema, source, issue))
    .filter((d) => !reported.has(d.path)); // e.g. `.nan` in env: said once, as a changed text
  return { identity, diagnostics: [...changedTexts, ...described] };
}

function describeIssue(schema: z.ZodType, source: SourceDocument, issue: z.core.$ZodIssue): Diagnostic[] {
  const at = issue.path as FieldPath;
  if (issue.code === "unrecognized_keys") {
    const allowed = fieldsAt(schema, at);
    return issue.keys.map((key) => {
      const keyPath = [...at, key];
      const refused = Object.entries(REFUSED_FIELDS).find(([suffix]) => keyPath.join(".").endsWith(suffix));
      const hint = closest(key, allowed);
      const message = refused
        ? `field "${key}" is not allowed: ${refused[1]}`
        : `unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}`;
      return diagnosticAt(source, keyPath, message, { key: true });
    });
  }
  if (issue.code === "invalid_union") {
    // Report the branch that got furthest rather than "invalid input".
    const branch = issue.errors.find((errors) => errors.length > 0);
    if (branch)
      return branch.flatMap((inner) =>
        describeIssue(schema, source, { ...inner, path: [...at, ...inner.path] }),
      );
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return [diagnosticAt(source, at, `required field is missing (expected ${issue.expected})`)];
  }
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) {
    // zod's default wording; a schema's own message (e.g. for plain-text secrets) is kept as it is.
    const hint =
      issue.expected === "string"
        ? quotingHint(source, at, issue.input)
        : issue.expected === "boolean"
          ? booleanHint(issue.input)
          : "";
    const expected = YAML_SHAPES[issue.expected] ?? issue.expected;
    return [diagnosticAt(source, at, `expected ${expected}, got ${describeValue(issue.input)}${hint}`)];
  }
  if (issue.code === "invalid_key") {
    // The key's own rule ("environment variable names are ...") rather than "invalid key in record".
    const rule = issue.issues[0]?.message ?? issue.message;
    return [
      diagnosticAt(source, at, `invalid key ${JSON.stringify(at.at(-1))}: ${plainMessage(rule)}`, {
        key: true,
      }),
    ];
  }
  if (issue.code === "custom" && isTextPosition(issue.params)) {
    const inText = positionInScalar(source, at, issue.params.textLine, issue.params.textColumn);
    return [{ ...diagnosticAt(source, at, issue.message), ...inText }];
  }
  return [diagnosticAt(source, at, plainMessage(issue.message))];
}

/** zod's names for shapes, in YAML's words (as describeValue names what was found). */
const YAML_SHAPES: Record<string, string> = {
  record: "a mapping (name: value)",
  object: "a mapping",
  array: "a list",
};

/** For a number or boolean where text was expected: quote it, and say so when YAML changed the text. */
function quotingHint(source: SourceDocument, at: FieldPath, value: unknown): string {
  if (value === null) return '; write "" for an empty value';
  const written = plainScalarText(source, at);
  if (value instanceof Date) return written ? `; quote it: ${JSON.stringify(written)}` : "";
  if (typeof value !== "number" && typeof value !== "boolean") return "";
  const text = written ?? String(value);
  const changed = text !== String(value) ? ` (YAML reads ${text} as ${String(value)})` : "";
  return `${changed}; quote it: ${JSON.stringify(text)}`;
}

/** YAML 1.2 reads yes/no/on/off as text, where YAML 1.1 (and many users) read booleans. */
function booleanHint(value: unknown): string {
  const yaml11 = typeof value === "string" && /^(y|yes|n|no|on|off)$/i.test(value);
  return yaml11 ? ` "${value}"; write true or false (YAML 1.2 reads ${value} as text)` : "";
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  // YAML's .nan and .inf: zod's "number NaN" reads as a contradiction.
  if (Number.isNaN(value)) return "not-a-number (.nan)";
  if (value === Infinity || value === -Infinity) return `an infinite number (${value > 0 ? "" : "-"}.inf)`;
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a timestamp"; // a %YAML 1.1 document reads 2025-01-31 as one
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `a string`;
  return `${typeof value} ${String(value)}`;
}

function plainMessage(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

function digestOf(documents: readonly { kind: Kind; manifest: unknown }[]): string {
  const sorted = [...documents]
    .map((d) => ({ ...d, name: (d.manifest as { metadata: { name: string } }).metadata.name }))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  return createHash("sha256").update(canonicalJson(sorted)).digest("hex");
}
