/**
 * HTML built only through the `html` template tag: every interpolated value is escaped unless it
 * is itself the output of `html`, so status text (resource names, API error messages, anything a
 * manifest author or a remote API chose) can never inject markup into the page.
 */
export class Html {
  /** @internal use the `html` tag; a string passed here is trusted as markup. */
  constructor(readonly markup: string) {}
}

export type Interpolation = Html | string | number | boolean | undefined | readonly Interpolation[];

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

function render(value: Interpolation): string {
  if (value instanceof Html) return value.markup;
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Html {
  return new Html(strings.reduce((out, chunk, index) => out + render(values[index - 1]) + chunk));
}
