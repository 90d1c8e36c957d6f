/** Just enough XML writing for EC2's responses: every text is escaped, elements nest as strings. */

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

/** `<name>value</name>` with the value escaped; undefined leaves the element out, as EC2 does. */
export function leaf(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? "" : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>` around elements already written. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join("")}</${name}>`;
}

/** An EC2 list: `<name><item>…</item>…</name>`. */
export function itemSet(name: string, items: readonly string[]): string {
  return node(name, ...items.map((item) => node("item", item)));
}
