import { CallPolicy, type CallPolicyOptions, DEFAULT_CALL_POLICY } from "../../aws/call-policy.js";
import { fetchWithoutRedirects, MIB, readCapped, readErrorExcerpt } from "../../util/bounded-http.js";
import { HttpStatusError } from "../../util/http-status-error.js";

/** A dtab is a few KiB of text; anything near this is not one. */
const MAX_DTAB_BYTES = MIB;

/** A namespace's dtab as namerd stores it, with the version to compare-and-set against. */
export interface StoredDtab {
  readonly text: string;
  readonly etag: string;
}

/** namerd's HTTP control API (/api/1/dtabs), the calls the controller makes. */
export interface NamerdApi {
  /** GET /api/1/dtabs/:ns as dtab text; undefined when the namespace does not exist. */
  get(namespace: string): Promise<StoredDtab | undefined>;
  /** POST /api/1/dtabs/:ns; false when it already exists (409). */
  create(namespace: string, text: string): Promise<boolean>;
  /** PUT /api/1/dtabs/:ns with If-Match; false when the version moved on (412). */
  update(namespace: string, text: string, etag: string): Promise<boolean>;
}

export class HttpNamerdApi implements NamerdApi {
  private readonly policy: CallPolicy;

  constructor(
    private readonly baseUrl: string,
    policy: CallPolicyOptions = DEFAULT_CALL_POLICY,
  ) {
    this.policy = new CallPolicy("namerd", { buckets: {}, operations: {} }, policy);
  }

  private async send(operation: string, namespace: string, init: RequestInit): Promise<Response> {
    return this.policy.call(operation, async (signal) => {
      const url = new URL(`/api/1/dtabs/${encodeURIComponent(namespace)}`, this.baseUrl);
      const response = await fetchWithoutRedirects(url, { ...init, signal });
      // 404, 409 and 412 are answers the caller acts on; other failures are errors.
      if (!response.ok && ![404, 409, 412].includes(response.status)) {
        throw new HttpStatusError(
          response.status,
          `namerd ${operation} ${namespace}: ${response.status} ${await readErrorExcerpt(response)}`,
        );
      }
      return response;
    });
  }

  async get(namespace: string) {
    const response = await this.send("GetDtab", namespace, { headers: { Accept: "application/dtab" } });
    if (response.status === 404) return undefined;
    const text = await readCapped(response, MAX_DTAB_BYTES, `namerd GetDtab ${namespace}`);
    return { text, etag: response.headers.get("etag") ?? "" };
  }

  async create(namespace: string, text: string) {
    const response = await this.send("CreateDtab", namespace, {
      method: "POST",
      headers: { "Content-Type": "application/dtab" },
      body: text,
    });
    await response.body?.cancel();
    return response.status !== 409;
  }

  async update(namespace: string, text: string, etag: string) {
    const response = await this.send("UpdateDtab", namespace, {
      method: "PUT",
      headers: { "Content-Type": "application/dtab", "If-Match": etag },
      body: text,
    });
    await response.body?.cancel();
    return response.status !== 412;
  }
}
