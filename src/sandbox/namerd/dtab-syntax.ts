/**
 * The fake namerd's own reading of Finagle's dtab syntax (com.twitter.finagle.NameTreeParsers, and
 * Path, Dentry, NameTree, Dtab), independent of the product's dtab engine:
 *
 *   dtab     ::= [dentry] (';' [dentry])*          empty dentries are skipped, as Finagle does
 *   dentry   ::= prefix '=>' tree
 *   tree     ::= tree1 ('|' tree1)*                 alternatives, tried in order
 *   tree1    ::= weighted ('&' weighted)*           a weighted union
 *   weighted ::= [number '*'] simple                number: digits with at most one '.'
 *   simple   ::= '(' tree ')' | path | '!' | '~' | '$'
 *   path     ::= '/' [label ('/' label)*]
 *   prefix   ::= '/' [elem ('/' elem)*]             elem: a label, or '*' for any one label
 *   label    ::= (showable | '\x' hex hex)+         showable: [0-9A-Za-z_:.#$%-]
 *
 * Whitespace may come between tokens, and `#` there starts a comment to the end of the line (a
 * `#` inside a label is part of it: `/#/io.l5d.consul`).
 */

/** A label's bytes, one character per byte (0..255): Finagle compares labels as bytes. */
export type Label = string;
export type Path = readonly Label[];

/** `*` in a prefix: matches any one label. */
export const ANY_LABEL: unique symbol = Symbol("*");
export type Prefix = readonly (Label | typeof ANY_LABEL)[];

export interface WeightedTree {
  readonly weight: number;
  /** The weight as written, which the fake shows back; absent when none was written (weight 1). */
  readonly written?: string;
  readonly tree: NameTree;
}

export type NameTree =
  | { readonly type: "leaf"; readonly path: Path }
  | { readonly type: "alt"; readonly trees: readonly NameTree[] }
  | { readonly type: "union"; readonly branches: readonly WeightedTree[] }
  | { readonly type: "fail" | "neg" | "empty" };

export interface Dentry {
  readonly prefix: Prefix;
  readonly dst: NameTree;
}

export type Dtab = readonly Dentry[];

/** Where and why a text is not what was asked for (Finagle throws IllegalArgumentException). */
export class DtabSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${line}:${column}: ${reason}`);
  }
}

/** The whole text as a dtab; throws DtabSyntaxError. */
export const parseDtab = (text: string): Dtab => new Reader(text).whole((reader) => reader.dtab());
export const parsePath = (text: string): Path => new Reader(text).whole((reader) => reader.path());
export const parsePrefix = (text: string): Prefix => new Reader(text).whole((reader) => reader.prefix());
export const parseNameTree = (text: string): NameTree => new Reader(text).whole((reader) => reader.tree());

const SHOWABLE = /^[0-9A-Za-z_:.#$%-]$/;
const HEX = /^[0-9A-Fa-f]$/;
const WEIGHT = /^\d*\.?\d*$/;

const isShowable = (char: string | undefined): boolean => char !== undefined && SHOWABLE.test(char);
const isLabelStart = (char: string | undefined): boolean => isShowable(char) || char === "\\";
const isWeightStart = (char: string | undefined): boolean =>
  char !== undefined && (char === "." || (char >= "0" && char <= "9"));

class Reader {
  #at = 0;

  constructor(private readonly text: string) {}

  whole<T>(read: (reader: Reader) => T): T {
    const value = read(this);
    this.#skipBlank();
    if (this.#peek() !== undefined) this.#expected("end of input");
    return value;
  }

  dtab(): Dtab {
    const dentries: Dentry[] = [];
    do {
      this.#skipBlank();
      if (this.#peek() !== undefined && this.#peek() !== ";") {
        dentries.push(this.#dentry());
        this.#skipBlank();
      }
    } while (this.#take(";"));
    return dentries;
  }

  path(): Path {
    return this.#slashed(() => this.#label(), isLabelStart);
  }

  prefix(): Prefix {
    return this.#slashed(
      () => (this.#take("*") ? ANY_LABEL : this.#label()),
      (char) => char === "*" || isLabelStart(char),
    );
  }

  tree(): NameTree {
    const trees = [this.#tree1()];
    while (this.#take("|")) trees.push(this.#tree1());
    return trees.length === 1 ? (trees[0] as NameTree) : { type: "alt", trees };
  }

  #tree1(): NameTree {
    const branches = [this.#weighted()];
    this.#skipBlank();
    while (this.#take("&")) {
      branches.push(this.#weighted());
      this.#skipBlank();
    }
    // A lone branch's weight has nothing to be relative to: Finagle drops it.
    return branches.length === 1 ? (branches[0] as WeightedTree).tree : { type: "union", branches };
  }

  #weighted(): WeightedTree {
    this.#skipBlank();
    if (!isWeightStart(this.#peek())) return { weight: 1, tree: this.#simple() };
    const start = this.#at;
    while (isWeightStart(this.#peek())) this.#at++;
    const written = this.text.slice(start, this.#at);
    if (!WEIGHT.test(written) || written === ".") {
      this.#at = start;
      this.#expected("a weight (digits with at most one '.')");
    }
    this.#skipBlank();
    this.#expect("*");
    return { weight: Number(written), written, tree: this.#simple() };
  }

  #simple(): NameTree {
    this.#skipBlank();
    switch (this.#peek()) {
      case "(": {
        this.#at++;
        const tree = this.tree();
        this.#skipBlank();
        this.#expect(")");
        return tree;
      }
      case "/":
        return { type: "leaf", path: this.path() };
      case "!":
        this.#at++;
        return { type: "fail" };
      case "~":
        this.#at++;
        return { type: "neg" };
      case "$":
        this.#at++;
        return { type: "empty" };
      default:
        return this.#expected("a path, '(', '!', '~' or '$'");
    }
  }

  #dentry(): Dentry {
    const prefix = this.prefix();
    this.#skipBlank();
    this.#expect("=");
    this.#expect(">");
    return { prefix, dst: this.tree() };
  }

  /** `/` alone, or `/` then elements separated by `/` (no empty one, no trailing `/`). */
  #slashed<T>(element: () => T, startsElement: (char: string | undefined) => boolean): T[] {
    this.#skipBlank();
    this.#expect("/");
    const elements: T[] = [];
    if (!startsElement(this.#peek())) return elements;
    do {
      if (!startsElement(this.#peek())) this.#expected("a label");
      elements.push(element());
    } while (this.#take("/"));
    return elements;
  }

  #label(): Label {
    let bytes = "";
    while (isLabelStart(this.#peek())) {
      const char = this.#peek() as string;
      this.#at++;
      if (char !== "\\") {
        bytes += char;
        continue;
      }
      this.#expect("x");
      const hex = this.#hexDigit() + this.#hexDigit();
      bytes += String.fromCharCode(Number.parseInt(hex, 16));
    }
    return bytes;
  }

  #hexDigit(): string {
    const char = this.#peek();
    if (char === undefined || !HEX.test(char)) this.#expected("a hex digit");
    this.#at++;
    return char as string;
  }

  #skipBlank(): void {
    for (let char = this.#peek(); char !== undefined; char = this.#peek()) {
      if (char === "#") {
        const newline = this.text.indexOf("\n", this.#at);
        this.#at = newline === -1 ? this.text.length : newline + 1;
      } else if (/\s/.test(char)) {
        this.#at++;
      } else {
        return;
      }
    }
  }

  #take(char: string): boolean {
    if (this.#peek() !== char) return false;
    this.#at++;
    return true;
  }

  #expect(char: string): void {
    if (!this.#take(char)) this.#expected(`'${char}'`);
  }

  #peek(): string | undefined {
    return this.text[this.#at];
  }

  /** Fails in Finagle's words: "<expected> expected but <found> found", at the current place. */
  #expected(what: string): never {
    const char = this.#peek();
    const found = char === undefined ? "end of input" : `'${char}'`;
    const before = this.text.slice(0, this.#at);
    const line = before.split("\n").length;
    const column = this.#at - (before.lastIndexOf("\n") + 1) + 1;
    throw new DtabSyntaxError(line, column, `${what} expected but ${found} found`);
  }
}

/** Finagle shows a label as it is when every byte is showable, else every byte as `\xhh`. */
function showLabel(label: Label): string {
  return [...label].every(isShowable)
    ? label
    : [...label].map((byte) => `\\x${byte.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
}

export const showPath = (path: Path): string => `/${path.map(showLabel).join("/")}`;

export const showPrefix = (prefix: Prefix): string =>
  `/${prefix.map((element) => (element === ANY_LABEL ? "*" : showLabel(element))).join("/")}`;

/**
 * A name tree as text, parenthesised as Finagle's NameTree.show does. Weights are shown as they
 * were written (Finagle would print them as `%.2f`), with spaces around the operators.
 */
export function showNameTree(tree: NameTree): string {
  return tree.type === "alt" ? tree.trees.map(showUnionLevel).join(" | ") : showUnionLevel(tree);
}

function showUnionLevel(tree: NameTree): string {
  if (tree.type !== "union") return showSimple(tree);
  return tree.branches
    .map(({ written, tree: branch }) =>
      written === undefined ? showSimple(branch) : `${written} * ${showSimple(branch)}`,
    )
    .join(" & ");
}

function showSimple(tree: NameTree): string {
  switch (tree.type) {
    case "leaf":
      return showPath(tree.path);
    case "fail":
      return "!";
    case "neg":
      return "~";
    case "empty":
      return "$";
    default:
      return `(${showNameTree(tree)})`;
  }
}

/** One line, dentries separated by `; ` (Finagle's Dtab.show joins `prefix=>dst` with `;`). */
export const showDtab = (dtab: Dtab): string =>
  dtab.map(({ prefix, dst }) => `${showPrefix(prefix)} => ${showNameTree(dst)}`).join("; ");

/** Finagle's Dentry.Prefix matching: element by element, `*` taking any one label. */
export const prefixMatches = (prefix: Prefix, path: Path): boolean =>
  prefix.length <= path.length && prefix.every((element, i) => element === ANY_LABEL || element === path[i]);
