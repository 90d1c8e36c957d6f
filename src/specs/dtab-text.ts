import { z } from "zod";
import { type ParseResult, parseDtab, parsePath, parsePrefix } from "../dtab/index.js";

const PARSERS: Record<string, (text: string) => ParseResult<unknown>> = {
  dtab: parseDtab,
  "dtab prefix": parsePrefix,
  "dtab path": parsePath,
};

/** Where a parse error sits inside the text, carried on the issue so the loader can point into the YAML scalar. */
export interface TextPosition {
  readonly textLine: number;
  readonly textColumn: number;
}

export function isTextPosition(value: unknown): value is TextPosition {
  return typeof value === "object" && value !== null && "textLine" in value && "textColumn" in value;
}

/** A string that must parse as Finagle dtab syntax; checked per document, before any cross-check. */
export function dtabText(what: "dtab" | "dtab prefix" | "dtab path") {
  const parse = PARSERS[what] as (text: string) => ParseResult<unknown>;
  return z.string().superRefine((text, ctx) => {
    const result = parse(text);
    if (result.ok) return;
    const params: TextPosition = { textLine: result.error.line, textColumn: result.error.column };
    ctx.addIssue({ code: "custom", message: `invalid ${what}: ${result.error.message}`, params });
  });
}
