/** namerd's HTTP control API (the `io.l5d.httpController` interface), version 1. */

export type NamerdOperation =
  | "ListDtabs"
  | "GetDtab"
  | "CreateDtab"
  | "UpdateDtab"
  | "DeleteDtab"
  | "Delegate";

/** The operations that change dtabs, for the call counter's write tally. */
export const NAMERD_WRITES: ReadonlySet<string> = new Set<NamerdOperation>([
  "CreateDtab",
  "UpdateDtab",
  "DeleteDtab",
]);

export interface Route {
  readonly operation: NamerdOperation;
  /** The namespace the path names; empty for ListDtabs. */
  readonly namespace: string;
}

const API_PREFIX = "/api/1";

/** HEAD answers like GET without a body, as namerd does. */
const DTAB_METHODS: Readonly<Record<string, NamerdOperation>> = {
  GET: "GetDtab",
  HEAD: "GetDtab",
  POST: "CreateDtab",
  PUT: "UpdateDtab",
  DELETE: "DeleteDtab",
};

/**
 * The operation a request names, or undefined (namerd answers 404). Like namerd, the namespace list
 * and delegation answer whatever the method; `/api/1/dtabs/` with a slash is the list too.
 */
export function route(method: string, pathname: string): Route | undefined {
  if (pathname === `${API_PREFIX}/dtabs` || pathname === `${API_PREFIX}/dtabs/`) {
    return { operation: "ListDtabs", namespace: "" };
  }
  const dtabNamespace = after(pathname, `${API_PREFIX}/dtabs/`);
  if (dtabNamespace !== undefined) {
    const operation = Object.hasOwn(DTAB_METHODS, method) ? DTAB_METHODS[method] : undefined;
    return operation === undefined ? undefined : { operation, namespace: dtabNamespace };
  }
  const delegateNamespace = after(pathname, `${API_PREFIX}/delegate/`);
  return delegateNamespace === undefined
    ? undefined
    : { operation: "Delegate", namespace: delegateNamespace };
}

/** The non-empty rest of `pathname` after `prefix`, percent-decoded; undefined when it does not decode. */
function after(pathname: string, prefix: string): string | undefined {
  if (!pathname.startsWith(prefix) || pathname.length === prefix.length) return undefined;
  try {
    return decodeURIComponent(pathname.slice(prefix.length));
  } catch {
    return undefined;
  }
}
