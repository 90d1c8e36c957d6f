/**
 * Where secrets may go. Manifests are written by whoever can commit to the manifests repository;
 * tokens belong to the operator who runs the controller. So a token goes only to an origin the
 * operator's environment names (the service's own variable, e.g. CONSUL_HTTP_ADDR, or
 * ECSMESH_TRUSTED_ENDPOINTS), never to one a manifest names, and never in clear text off the host.
 */

/** A call refused before it was made, for a reason only the operator's environment can change: never retried. */
export class UntrustedEndpointError extends Error {
  override readonly name = "UntrustedEndpoint";
  // Classified as a client error, so the call policy does not retry it and status says Stalled.
  readonly $fault = "client";
}

/** Where the operator's environment lets one token go. */
export interface TokenScope {
  /** The variable naming the service's own endpoint, e.g. CONSUL_HTTP_ADDR. */
  readonly endpointVariable: string;
  readonly endpoint: string | undefined;
  /** ECSMESH_TRUSTED_ENDPOINTS: origins any token may go to. */
  readonly allowList: readonly string[];
}

/** 127.0.0.0/8, ::1 and localhost: clear text there never leaves the host. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * A token together with the origins it may be sent to. Clients hold this instead of the bare
 * value, so every request is checked whoever built the client, and the value (a private field)
 * never shows in JSON, logs or inspection.
 */
export class ScopedToken {
  readonly #value: string;
  private readonly origins: ReadonlySet<string>;

  constructor(
    /** The variable the token came from, e.g. CONSUL_HTTP_TOKEN. */
    readonly variable: string,
    value: string,
    private readonly scope: TokenScope,
  ) {
    this.#value = value;
    this.origins = new Set([
      ...(scope.endpoint === undefined ? [] : [new URL(scope.endpoint).origin]),
      ...scope.allowList,
    ]);
  }

  /** The token for a request to `url`; throws UntrustedEndpointError when it must not go there. */
  valueFor(url: URL): string {
    if (!this.origins.has(url.origin)) {
      throw new UntrustedEndpointError(
        `refusing to send ${this.variable} to ${url.origin}: it is neither ${this.scope.endpointVariable} ` +
          "nor listed in ECSMESH_TRUSTED_ENDPOINTS (a token goes only where the controller's environment " +
          "says, never where a manifest says)",
      );
    }
    if (url.protocol === "http:" && !isLoopback(url)) {
      throw new UntrustedEndpointError(
        `refusing to send ${this.variable} to ${url.origin} over plain http: use https ` +
          "(plain http is only for loopback)",
      );
    }
    return this.#value;
  }
}

/**
 * Why the controller must not call `url`, an endpoint a manifest names that gets no token (namerd),
 * or undefined when it may. Credentials in the URL are refused; and once the operator keeps an
 * allow-list (ECSMESH_TRUSTED_ENDPOINTS), the endpoint must be on it.
 */
export function manifestEndpointRefusal(
  url: string,
  namedBy: string,
  allowList: readonly string[],
): string | undefined {
  const parsed = new URL(url);
  if (parsed.username !== "" || parsed.password !== "")
    return `${namedBy} carries credentials in its URL; refusing to call it`;
  if (allowList.length > 0 && !allowList.includes(parsed.origin))
    return `${namedBy} ${parsed.origin} is not listed in ECSMESH_TRUSTED_ENDPOINTS; refusing to call it`;
  return undefined;
}
