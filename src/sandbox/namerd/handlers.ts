import type { IncomingHttpHeaders } from "node:http";
import { delegateJson } from "./delegate-json.js";
import { delegatePath } from "./delegation.js";
import { acceptedType, JSON_TYPE, readDtab, writeDtab } from "./dtab-codec.js";
import type { DtabStore } from "./dtab-store.js";
import { type Dtab, DtabSyntaxError, parseDtab, parsePath } from "./dtab-syntax.js";
import type { NamerdOperation } from "./routes.js";

export interface NamerdRequest {
  readonly method: string;
  readonly namespace: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface NamerdReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type NamerdHandler = (request: NamerdRequest) => NamerdReply;

const NO_CONTENT: NamerdReply = { status: 204 };
const NOT_FOUND: NamerdReply = { status: 404 };

/** namerd's answers: status codes as its DtabHandler and DelegateHandler give them. */
export function namerdHandlers(store: DtabStore): Record<NamerdOperation, NamerdHandler> {
  return {
    ListDtabs: () => json(`${JSON.stringify(store.list())}\n`),

    GetDtab: ({ method, namespace, headers }) => {
      const found = store.get(namespace);
      if (found === undefined) return NOT_FOUND;
      if (method === "HEAD") return { status: 200, headers: { ETag: found.version } };
      const type = acceptedType(headers.accept);
      return {
        status: 200,
        headers: { ETag: found.version, "Content-Type": type },
        body: writeDtab(found.dtab, type),
      };
    },

    CreateDtab: (request) =>
      withDtab(request, (dtab) => (store.create(request.namespace, dtab) ? NO_CONTENT : { status: 409 })),

    /** With If-Match a compare-and-set against the ETag; without, an unconditional upsert. */
    UpdateDtab: (request) =>
      withDtab(request, (dtab) => {
        const version = request.headers["if-match"];
        if (version === undefined) {
          store.put(request.namespace, dtab);
          return NO_CONTENT;
        }
        const outcome = store.update(request.namespace, dtab, version);
        return outcome === "updated" ? NO_CONTENT : outcome === "missing" ? NOT_FOUND : { status: 412 };
      }),

    DeleteDtab: ({ namespace }) => (store.delete(namespace) ? NO_CONTENT : NOT_FOUND),

    /**
     * `?path=` delegated through the namespace's dtab plus the `?dtab=` override (appended, so it
     * wins, like an l5d-dtab header). A namespace without a dtab delegates with an empty one, as
     * namerd does since its interpreter reads a missing dtab as empty.
     */
    Delegate: ({ namespace, query }) => {
      const pathText = query.get("path") ?? "";
      const path = syntaxChecked(() => parsePath(pathText), `Invalid path: ${pathText} / `);
      if ("reply" in path) return path.reply;
      const override = syntaxChecked(() => parseDtab(query.get("dtab") ?? ""), "Invalid dtab: ");
      if ("reply" in override) return override.reply;
      const base: Dtab = store.get(namespace)?.dtab ?? [];
      return json(JSON.stringify(delegateJson(delegatePath([...base, ...override.value], path.value))));
    },
  };
}

/** What `parse` gives, or a 400 reply with its syntax error after `context`. */
function syntaxChecked<T>(parse: () => T, context: string): { value: T } | { reply: NamerdReply } {
  try {
    return { value: parse() };
  } catch (error) {
    if (error instanceof DtabSyntaxError) return { reply: badRequest(`${context}${error.reason}`) };
    throw error;
  }
}

/** Runs `write` with the request's dtab, or answers 400 when the body is not one. */
function withDtab(request: NamerdRequest, write: (dtab: Dtab) => NamerdReply): NamerdReply {
  const read = readDtab(request.body, request.headers["content-type"]);
  return read.ok ? write(read.dtab) : badRequest(read.message);
}

const json = (body: string): NamerdReply => ({ status: 200, headers: { "Content-Type": JSON_TYPE }, body });

/** A 400 with its reason, as newer namerd versions give for some of theirs. */
const badRequest = (message: string): NamerdReply => ({
  status: 400,
  headers: { "Content-Type": "text/plain" },
  body: `${message}\n`,
});
