/**
 * Parser for Consul's filter expressions (the go-bexpr grammar):
 *
 *   expr     := and ("or" expr)?          and := not ("and" and)?
 *   not      := "not" not | "(" expr ")" | match
 *   match    := selector ("==" | "!=" | "contains" | "not contains" | "matches" | "not matches") value
 *             | selector ("is empty" | "is not empty")
 *             | value ("in" | "not in") selector
 *   selector := ident ("." ident | "[" string "]")*
 *   value    := selector (read as its dotted text) | number | string ("..." or `raw`)
 *
 * Keywords need whitespace around them; "contains" is "in" with its operands swapped.
 */

export type MatchOperator =
  | "=="
  | "!="
  | "in"
  | "not in"
  | "is empty"
  | "is not empty"
  | "matches"
  | "not matches";

export type FilterExpression =
  | { readonly kind: "and" | "or"; readonly left: FilterExpression; readonly right: FilterExpression }
  | { readonly kind: "not"; readonly operand: FilterExpression }
  | {
      readonly kind: "match";
      readonly selector: readonly string[];
      readonly operator: MatchOperator;
      /** The raw value text; absent for the emptiness checks. */
      readonly value?: string;
    };

/** A syntax error, positioned like go-bexpr's: "line:column (offset): message". */
export class FilterSyntaxError extends Error {
  constructor(source: string, offset: number, message: string) {
    const before = source.slice(0, offset).split("\n");
    super(`${before.length}:${(before.at(-1)?.length ?? 0) + 1} (${offset}): ${message}`);
    this.name = "FilterSyntaxError";
  }
}

type TokenKind = "ident" | "number" | "string" | "symbol" | "end";

interface Token {
  readonly kind: TokenKind;
  /** The identifier or symbol, the number's text, or the string's unquoted content. */
  readonly text: string;
  readonly offset: number;
  /** Whether whitespace precedes the token; keywords need it, selector parts must not have it. */
  readonly spaced: boolean;
}

const SYMBOLS = ["==", "!=", "(", ")", ".", "[", "]"];

export function parseFilter(source: string): FilterExpression {
  return new Parser(source, tokenize(source)).parse();
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (;;) {
    const start = at;
    while (at < source.length && /[ \t\r\n]/.test(source.charAt(at))) at += 1;
    const spaced = at > start;
    if (at >= source.length) {
      tokens.push({ kind: "end", text: "", offset: at, spaced });
      return tokens;
    }
    const rest = source.slice(at);
    const push = (kind: TokenKind, text: string, length: number) => {
      tokens.push({ kind, text, offset: at, spaced });
      at += length;
    };
    const ident = /^[a-zA-Z][a-zA-Z0-9_]*/.exec(rest)?.[0];
    const number = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?/.exec(rest)?.[0];
    const symbol = SYMBOLS.find((s) => rest.startsWith(s));
    if (ident !== undefined) push("ident", ident, ident.length);
    else if (number !== undefined) {
      if (!/^([ \t\r\n)]|$)/.test(rest.slice(number.length))) {
        throw new FilterSyntaxError(source, at, 'rule "number": Invalid number literal');
      }
      push("number", number, number.length);
    } else if (rest.startsWith('"') || rest.startsWith("`")) {
      const literal = stringLiteral(source, at);
      push("string", literal.text, literal.length);
    } else if (symbol !== undefined) push("symbol", symbol, symbol.length);
    else
      throw new FilterSyntaxError(source, at, `no match found, unexpected ${JSON.stringify(rest.charAt(0))}`);
  }
}

/** A double-quoted (Go escapes) or backquoted (raw) string starting at `at`. */
function stringLiteral(source: string, at: number): { text: string; length: number } {
  const quote = source.charAt(at);
  let end = at + 1;
  while (end < source.length && source.charAt(end) !== quote)
    end += quote === '"' && source.charAt(end) === "\\" ? 2 : 1;
  if (end >= source.length)
    throw new FilterSyntaxError(source, at, 'rule "string": Unterminated string literal');
  const body = source.slice(at + 1, end);
  if (quote === "`") return { text: body, length: end + 1 - at };
  try {
    return { text: JSON.parse(`"${body}"`) as string, length: end + 1 - at };
  } catch {
    throw new FilterSyntaxError(source, at, 'rule "string": invalid syntax');
  }
}

class Parser {
  #at = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): FilterExpression {
    const expression = this.or();
    if (this.peek().kind !== "end") throw this.unexpected('"and", "or" or EOF');
    return expression;
  }

  private or(): FilterExpression {
    const left = this.and();
    if (!this.infixKeyword("or")) return left;
    return { kind: "or", left, right: this.or() };
  }

  private and(): FilterExpression {
    const left = this.not();
    if (!this.infixKeyword("and")) return left;
    return { kind: "and", left, right: this.and() };
  }

  private not(): FilterExpression {
    // "not" may also be a selector ("not == 1"): try the keyword reading first, as the PEG grammar does.
    if (this.isWord(this.peek(), "not") && this.peek(1).spaced) {
      const start = this.#at;
      this.#at += 1;
      try {
        const operand = this.not();
        return operand.kind === "not" ? operand.operand : { kind: "not", operand };
      } catch (error) {
        this.#at = start;
        if (!(error instanceof FilterSyntaxError)) throw error;
      }
    }
    if (this.isSymbol(this.peek(), "(")) {
      this.#at += 1;
      const inner = this.or();
      if (!this.isSymbol(this.peek(), ")")) throw this.unexpected('")" (Unmatched parentheses)');
      this.#at += 1;
      return inner;
    }
    return this.match();
  }

  private match(): FilterExpression {
    const first = this.peek();
    if (first.kind === "string" || first.kind === "number") {
      this.#at += 1;
      return this.inSelector(first.text);
    }
    if (first.kind !== "ident") throw this.unexpected("a selector or a value");
    const selector = this.selector();
    const next = this.peek();
    if (this.isSymbol(next, "==") || this.isSymbol(next, "!=")) {
      this.#at += 1;
      return { kind: "match", selector, operator: next.text as "==" | "!=", value: this.value() };
    }
    if (this.isWord(next, "in") || (this.isWord(next, "not") && this.isWord(this.peek(1), "in"))) {
      // An unquoted identifier before "in" is a value, as in: web in Service.Tags
      return this.inSelector(selector.join("."));
    }
    const operator = this.keywordOperator();
    if (operator === "is empty" || operator === "is not empty") return { kind: "match", selector, operator };
    return { kind: "match", selector, operator, value: this.value() };
  }

  /** The rest of `value in selector` / `value not in selector`. */
  private inSelector(value: string): FilterExpression {
    const negated = this.infixKeyword("not");
    if (!this.infixKeyword("in")) throw this.unexpected('"in" or "not in"');
    const token = this.peek();
    if (token.kind !== "ident" || !token.spaced) throw this.unexpected("a selector (Invalid selector)");
    return { kind: "match", selector: this.selector(), operator: negated ? "not in" : "in", value };
  }

  /** contains, matches and the emptiness checks, each optionally negated; "contains" is "in". */
  private keywordOperator(): MatchOperator {
    const negated = this.infixKeyword("not");
    if (this.infixKeyword("contains")) return negated ? "not in" : "in";
    if (this.infixKeyword("matches")) return negated ? "not matches" : "matches";
    if (!negated && this.infixKeyword("is")) {
      const emptiness = this.infixKeyword("not") ? "is not empty" : "is empty";
      if (!this.infixKeyword("empty")) throw this.unexpected('"empty"');
      return emptiness;
    }
    throw this.unexpected('"==", "!=", "contains", "matches", "is" or "in"');
  }

  private selector(): string[] {
    const parts = [this.next().text];
    for (;;) {
      const token = this.peek();
      if (token.spaced) return parts;
      if (this.isSymbol(token, ".")) {
        const part = this.peek(1);
        if (part.kind !== "ident" || part.spaced) throw this.unexpected("an identifier", part);
        this.#at += 2;
        parts.push(part.text);
      } else if (this.isSymbol(token, "[")) {
        const key = this.peek(1);
        if (key.kind !== "string") throw this.unexpected("a string (Invalid index)", key);
        if (!this.isSymbol(this.peek(2), "]"))
          throw this.unexpected('"]" (Unclosed index expression)', this.peek(2));
        this.#at += 3;
        parts.push(key.text);
      } else return parts;
    }
  }

  private value(): string {
    const token = this.peek();
    if (token.kind === "string" || token.kind === "number") {
      this.#at += 1;
      return token.text;
    }
    if (token.kind === "ident") return this.selector().join(".");
    throw this.unexpected("a value");
  }

  /** Consumes `word` when it stands as a keyword: whitespace on both sides. */
  private infixKeyword(word: string): boolean {
    if (!this.isWord(this.peek(), word) || !this.peek().spaced) return false;
    const after = this.peek(1);
    if (!after.spaced && after.kind !== "end") return false;
    this.#at += 1;
    return true;
  }

  private isWord(token: Token, word: string): boolean {
    return token.kind === "ident" && token.text === word;
  }

  private isSymbol(token: Token, symbol: string): boolean {
    return token.kind === "symbol" && token.text === symbol;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.#at + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    this.#at += 1;
    return token;
  }

  private unexpected(expected: string, token = this.peek()): FilterSyntaxError {
    const found =
      token.kind === "end" ? "EOF" : JSON.stringify(this.source.slice(token.offset).split(/\s/)[0]);
    return new FilterSyntaxError(
      this.source,
      token.offset,
      `no match found, found ${found}, expected ${expected}`,
    );
  }
}
