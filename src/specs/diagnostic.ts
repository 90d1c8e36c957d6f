/** One problem found in a manifest set, positioned like a compiler error. */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly file: string;
  /** 1-based; 0 when the problem is about the directory as a whole. */
  readonly line: number;
  readonly column: number;
  /** Field path inside the document, e.g. `spec.ports[1].hostPort`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

export type FieldPath = readonly (string | number)[];

/** `["spec", "ports", 1, "hostPort"]` -> `spec.ports[1].hostPort`. */
export function formatFieldPath(path: FieldPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** `file:line:col: error: message (field.path)`, the format editors and CI annotators understand. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const field = d.path === "" ? "" : ` (${d.path})`;
  return `${where}: ${d.severity}: ${d.message}${field}`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
}
