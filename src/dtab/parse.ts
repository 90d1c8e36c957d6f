/**
 * Parser for Finagle's dtab text syntax:
 *
 *   dtab    ::= [dentry (';' dentry)* [';']]
 *   dentry  ::= prefix '=>' tree
 *   tree    ::= tree1 ('|' tree1)*
 *   tree1   ::= [weight '*'] simple ('&' [weight '*'] simple)*
 *   simple  ::= '(' tree ')' | path | '!' | '~' | '$'
 *   path    ::= '/' | ('/' segment)+
 *   prefix  ::= '/' | ('/' (segment | '*'))+
 *   segment ::= (showable | '\x' hex hex)+
 *   weight  ::= digits with at most one '.', non-negative (default 1)
 *
 * Whitespace and comments may appear between tokens, as in Finagle: a comment runs from `#` to
 * the end of the line, but `#` inside a path is an ordinary character (`/#/io.l5d.consul`).
 * Errors never throw; they come back with the offset and 1-based line and column of the problem.
 */

import { escapeChar, isShowable } from "./segment.js";
import type { Dentry, Dtab, NameTree, Path, Prefix, PrefixSegment, Weighted } from "./types.js";
import { WILDCARD } from "./types.js";

export interface ParseError {
  readonly message: string;
  /** 0-based index into the text, in UTF-16 code units. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ParseError };

export function parseDtab(text: string): ParseResult<Dtab> {
  return run(text, (parser) => parser.dtab(), "");
}

/** A dentry and the 1-based line and column its text starts at, to point at it in a long dtab. */
export interface LocatedDentry {
  readonly dentry: Dentry;
  readonly line: number;
  readonly column: number;
}

export function parseLocatedDtab(text: string): ParseResult<LocatedDentry[]> {
  return run(
    text,
    (parser) => {
      const dentries = parser.dtab();
      const locator = forwardLocator(text);
      return dentries.map((dentry, i) => ({ dentry, ...locator(parser.dentryStarts[i] ?? 0) }));
    },
    "",
  );
}

export function parsePath(text: string): ParseResult<Path> {
  return run(text, (parser) => parser.path(), " after the path");
}

export function parsePrefix(text: string): ParseResult<Prefix> {
  return run(text, (parser) => parser.prefix(), " after the prefix");
}

export function parseNameTree(text: string): ParseResult<NameTree> {
  return run(text, (parser) => parser.tree(), " after the name tree");
}

function run<T>(text: string, parse: (parser: Parser) => T, after: string): ParseResult<T> {
  const parser = new Parser(text);
  try {
    const value = parse(parser);
    parser.expectEnd(after);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof SyntaxFailure) {
      return {
        ok: false,
        error: { message: error.message, offset: error.offset, ...locate(text, error.offset) },
      };
    }
    throw error;
  }
}

/** Internal signal carrying a positioned message up to `run`; never escapes this module. */
class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function locate(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** `locate` for offsets given in increasing order, resuming where the last one stopped (linear overall). */
function forwardLocator(text: string): (offset: number) => { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  return (offset) => {
    for (; scanned < offset; scanned++) {
      if (text[scanned] === "\n") {
        line++;
        lineStart = scanned + 1;
      }
    }
    return { line, column: offset - lineStart + 1 };
  };
}

/** Characters that may legitimately follow a path or prefix (besides whitespace). */
const PATH_FOLLOWERS = new Set([";", "|", "&", ")", "="]);
const WHITESPACE = /\s/;
const WEIGHT = /^(?:\d+\.?\d*|\.\d+)$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
/** Sticky patterns, tried at the parser's position without slicing the text. */
const EXPONENT = /[eE][+-]?\d+/y;
const WORD_WEIGHT = /[A-Za-z]+(?=\s*\*)/y;
/** Bounds recursion so that hostile input yields an error instead of a stack overflow. */
const MAX_NESTING = 500;
const WILDCARD_ALONE = "'*' must be a whole prefix segment, as in /svc/*/world";
const UTF8 = new TextDecoder("utf-8", { fatal: true });

class Parser {
  private pos = 0;
  private nesting = 0;
  /** Where each dentry `dtab()` returned starts in the text. */
  readonly dentryStarts: number[] = [];

  constructor(private readonly text: string) {}

  dtab(): Dtab {
    const dentries: Dentry[] = [];
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) {
        return dentries;
      }
      const start = this.pos;
      this.dentryStarts.push(start);
      const prefix = this.prefix();
      const prefixText = this.text.slice(start, this.pos);
      this.skipSpace();
      if (!this.text.startsWith("=>", this.pos)) {
        this.fail(`expected '=>' after prefix ${prefixText}, found ${this.found()}`);
      }
      this.pos += 2;
      dentries.push({ prefix, dst: this.tree() });
      this.skipSpace();
      if (this.atEnd()) {
        return dentries;
      }
      if (this.peek() !== ";") {
        this.fail(`expected ';' or end of input after the dentry for ${prefixText}, found ${this.found()}`);
      }
      this.pos++;
    }
  }

  prefix(): Prefix {
    this.skipSpace();
    if (this.peek() !== "/") {
      this.fail(`expected '/' to start a prefix, found ${this.found()}`);
    }
    this.pos++;
    const segments: PrefixSegment[] = [];
    if (this.peek() === "*" || this.atSegmentStart()) {
      do {
        if (this.eat("*")) {
          if (this.atSegmentStart()) {
            this.fail(WILDCARD_ALONE);
          }
          segments.push(WILDCARD);
        } else {
          segments.push(this.segment(true));
        }
      } while (this.eat("/"));
    }
    this.checkPathEnd(true);
    return segments;
  }

  path(): Path {
    this.skipSpace();
    if (this.peek() !== "/") {
      this.fail(`expected '/' to start a path, found ${this.found()}`);
    }
    this.pos++;
    const segments: string[] = [];
    if (this.atSegmentStart()) {
      do {
        segments.push(this.segment(false));
      } while (this.eat("/"));
    }
    this.checkPathEnd(false);
    return segments;
  }

  tree(): NameTree {
    const first = this.tree1();
    const rest: NameTree[] = [];
    this.skipSpace();
    while (this.eat("|")) {
      rest.push(this.tree1());
      this.skipSpace();
    }
    return rest.length === 0 ? first : { kind: "alt", trees: [first, ...rest] };
  }

  expectEnd(after: string): void {
    this.skipSpace();
    if (!this.atEnd()) {
      this.fail(`expected end of input${after}, found ${this.found()}`);
    }
  }

  private tree1(): NameTree {
    this.skipSpace();
    const start = this.pos;
    const first = this.weighted();
    const rest: Weighted[] = [];
    this.skipSpace();
    while (this.eat("&")) {
      rest.push(this.weighted());
      this.skipSpace();
    }
    // As in Finagle, a weight on a lone branch has nothing to be relative to and is dropped.
    if (rest.length === 0) {
      return first.tree;
    }
    const branches = [first, ...rest];
    // Shares are weight / total: an infinite total would send every branch 0 (or NaN) of the traffic.
    if (!Number.isFinite(branches.reduce((total, branch) => total + branch.weight, 0))) {
      this.fail("the weights of this union add up to more than the largest number: scale them down", start);
    }
    return { kind: "union", branches };
  }

  private weighted(): Weighted {
    this.skipSpace();
    const start = this.pos;
    while (/[0-9.]/.test(this.peek() ?? "")) {
      this.pos++;
    }
    if (this.pos === start) {
      if (this.peek() === "-" && /[0-9.]/.test(this.text[this.pos + 1] ?? "")) {
        this.fail("a weight must not be negative");
      }
      return { weight: 1, tree: this.simple() };
    }
    EXPONENT.lastIndex = this.pos;
    if (EXPONENT.test(this.text)) {
      const written = this.text.slice(start, EXPONENT.lastIndex);
      this.fail(`invalid weight '${written}': weights are plain decimals, without an exponent`, start);
    }
    const literal = this.text.slice(start, this.pos);
    const weight = Number(literal);
    if (!WEIGHT.test(literal)) {
      this.fail(`invalid weight '${literal}': expected digits with at most one '.'`, start);
    }
    if (!Number.isFinite(weight)) {
      this.fail(`weight ${literal} is too large`, start);
    }
    this.skipSpace();
    if (!this.eat("*")) {
      this.fail(`expected '*' after weight ${literal}, found ${this.found()}`);
    }
    return { weight, tree: this.simple() };
  }

  private simple(): NameTree {
    this.skipSpace();
    switch (this.peek()) {
      case "(":
        return this.parenthesised();
      case "/":
        return { kind: "leaf", path: this.path() };
      case "!":
        this.pos++;
        return { kind: "fail" };
      case "~":
        this.pos++;
        return { kind: "neg" };
      case "$":
        this.pos++;
        return { kind: "empty" };
      default: {
        // `NaN * /a`, `Infinity * /a`: a word where a weight belongs.
        WORD_WEIGHT.lastIndex = this.pos;
        const word = WORD_WEIGHT.exec(this.text)?.[0];
        if (word !== undefined) {
          this.fail(`invalid weight '${word}': weights are non-negative decimals such as 9 or 0.5`);
        }
        return this.fail(`expected a path, '(', '!', '~' or '$', found ${this.found()}`);
      }
    }
  }

  private parenthesised(): NameTree {
    const open = this.pos;
    if (++this.nesting > MAX_NESTING) {
      this.fail(`parentheses nested more than ${MAX_NESTING} deep`);
    }
    this.pos++;
    const tree = this.tree();
    this.skipSpace();
    if (!this.eat(")")) {
      const { line, column } = locate(this.text, open);
      this.fail(`expected ')' to close the '(' at line ${line}, column ${column}, found ${this.found()}`);
    }
    this.nesting--;
    return tree;
  }

  /** One segment: showable characters and `\xHH` escapes, decoded as UTF-8. */
  private segment(inPrefix: boolean): string {
    const start = this.pos;
    if (!this.atSegmentStart()) {
      this.badSegmentStart(inPrefix);
    }
    const bytes: number[] = [];
    for (;;) {
      const ch = this.peek();
      if (ch !== undefined && isShowable(ch)) {
        bytes.push(ch.charCodeAt(0));
        this.pos++;
      } else if (ch === "\\") {
        if (this.text[this.pos + 1] !== "x") {
          this.fail("expected 'x' after '\\': bytes are escaped as \\xHH", this.pos + 1);
        }
        const hex = this.text.slice(this.pos + 2, this.pos + 4);
        if (!HEX_PAIR.test(hex)) {
          this.fail("expected two hex digits after '\\x'", this.pos + 2);
        }
        bytes.push(Number.parseInt(hex, 16));
        this.pos += 4;
      } else {
        break;
      }
    }
    try {
      return UTF8.decode(Uint8Array.from(bytes));
    } catch {
      return this.fail("the escaped bytes of this segment are not valid UTF-8", start);
    }
  }

  /** Called where a segment must start (right after a '/' that is not the first). */
  private badSegmentStart(inPrefix: boolean): never {
    const ch = this.peek();
    if (ch === undefined || WHITESPACE.test(ch) || PATH_FOLLOWERS.has(ch)) {
      this.fail("a path must not end with '/'", this.pos - 1);
    }
    return this.rejectChar(ch, inPrefix);
  }

  /** A path ends at the first character that cannot continue it; reject the unlikely ones. */
  private checkPathEnd(inPrefix: boolean): void {
    const ch = this.peek();
    if (ch !== undefined && !WHITESPACE.test(ch) && !PATH_FOLLOWERS.has(ch)) {
      this.rejectChar(ch, inPrefix);
    }
  }

  private rejectChar(ch: string, inPrefix: boolean): never {
    if (ch === "/") {
      this.fail("empty path segment: '//' is not allowed");
    }
    if (ch === "*") {
      this.fail(inPrefix ? WILDCARD_ALONE : "'*' (any segment) is only allowed in a dentry prefix");
    }
    const full = String.fromCodePoint(this.text.codePointAt(this.pos) ?? 0);
    return this.fail(
      `${describe(full)} is not allowed in a path segment (letters, digits and _:.#$%- are); ` +
        `write it as ${escapeChar(full)}`,
    );
  }

  private atSegmentStart(): boolean {
    const ch = this.peek();
    return ch !== undefined && (isShowable(ch) || ch === "\\");
  }

  private skipSpace(): void {
    for (;;) {
      const ch = this.peek();
      if (ch === "#") {
        const newline = this.text.indexOf("\n", this.pos);
        this.pos = newline < 0 ? this.text.length : newline + 1;
      } else if (ch !== undefined && WHITESPACE.test(ch)) {
        this.pos++;
      } else {
        return;
      }
    }
  }

  private eat(ch: string): boolean {
    if (this.peek() !== ch) {
      return false;
    }
    this.pos++;
    return true;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private found(): string {
    const code = this.text.codePointAt(this.pos);
    return code === undefined ? "end of input" : describe(String.fromCodePoint(code));
  }

  private fail(message: string, offset = this.pos): never {
    throw new SyntaxFailure(message, offset);
  }
}

function describe(ch: string): string {
  if (ch === "\n" || ch === "\r") {
    return "a line break";
  }
  const code = ch.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  return code > 0x20 && code < 0x7f ? `'${ch}'` : `'${ch}' (U+${hex})`;
}
