import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError } from "./aws-error.js";
import { CallCounter } from "./call-counter.js";
import { type Admission, CallGate, type GatedServer } from "./call-gate.js";
import { type FaultSettings, Faults } from "./faults.js";
import { isJsonObject, type Json, type JsonObject } from "./json.js";
import { JsonReader } from "./json-reader.js";
import { type LocalAddress, type LocalHttpServer, readBody, startLocalHttp } from "./local-http.js";
import type { RateLimits } from "./published-limits.js";

/** Serves one operation: returns the output structure (Dates become epoch seconds) or throws AwsError. */
export type AwsJsonHandler = (input: JsonReader) => unknown;

/** One answered request, as sent on the wire. */
export interface AwsJsonExchange {
  readonly operation: string;
  /** The parsed request body; undefined when it was not a JSON object. */
  readonly input: JsonObject | undefined;
  readonly statusCode: number;
  readonly body: string;
  /** The access key ID the request was signed with, telling apart clients that share a server. */
  readonly accessKeyId?: string | undefined;
}

/** What sets one service's JSON 1.1 dialect apart. */
export interface AwsJsonProtocol {
  /** The `X-Amz-Target` prefix, e.g. AmazonEC2ContainerServiceV20141113. */
  readonly targetPrefix: string;
  readonly handlers: Readonly<Record<string, AwsJsonHandler>>;
  /** Code of injected and unexpected server errors; AWS's common InternalFailure unless the service has its own. */
  readonly serverErrorCode?: string;
  /** Code of throttled calls; AWS's common ThrottlingException unless the service models its own. */
  readonly throttleCode?: string;
  /** The error body's message member: `message` unless the service's error shapes spell it otherwise. */
  readonly messageMember?: string;
}

export interface AwsJsonServerOptions extends AwsJsonProtocol, LocalAddress {
  readonly faults?: Faults;
  readonly calls?: CallCounter;
  /** Sees every answered request, e.g. to check responses against the service model. */
  readonly onExchange?: ((exchange: AwsJsonExchange) => void) | undefined;
}

/** What every local AWS JSON service takes beside its own settings. */
export interface AwsJsonServiceOptions extends LocalAddress {
  /** Default: the service's documented throttling, no latency, no errors, no resets. */
  readonly faults?: Partial<FaultSettings>;
  /** Sees every answered request (for checking responses against the service model, or logging). */
  readonly onExchange?: (exchange: AwsJsonExchange) => void;
}

/** Starts one service's JSON server with its own call counter and faults, throttling at its own limits. */
export async function startAwsJsonService(
  protocol: AwsJsonProtocol & { readonly rateLimits: RateLimits },
  options: AwsJsonServiceOptions,
): Promise<GatedServer> {
  const { rateLimits, ...wire } = protocol;
  const calls = new CallCounter();
  const faults = new Faults(rateLimits, options.faults);
  const http = await startAwsJsonServer({
    ...wire,
    faults,
    calls,
    host: options.host,
    port: options.port,
    onExchange: options.onExchange,
  });
  return { url: http.url, calls, faults, close: () => http.close() };
}

/**
 * An HTTP server speaking the AWS JSON 1.1 protocol: POST / with `X-Amz-Target: <prefix>.<Operation>`,
 * JSON in and out, errors as `{"__type", "message", ...members}` plus `x-amzn-ErrorType`. Signatures
 * are not checked.
 */
export function startAwsJsonServer(options: AwsJsonServerOptions): Promise<LocalHttpServer> {
  const dialect: Dialect = {
    serverErrorCode: options.serverErrorCode ?? "InternalFailure",
    throttleCode: options.throttleCode ?? "ThrottlingException",
    messageMember: options.messageMember ?? "message",
  };
  const gate = new CallGate(options.faults, options.calls, dialect.throttleCode);
  return startLocalHttp((request, response) => serve(options, dialect, gate, request, response), options);
}

type Dialect = Required<Pick<AwsJsonProtocol, "serverErrorCode" | "throttleCode" | "messageMember">>;

async function serve(
  options: AwsJsonServerOptions,
  dialect: Dialect,
  gate: CallGate,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const body = (await readBody(request)).toString("utf8");
  const { operation, routable } = operationOf(request, options.targetPrefix);
  const admission = await gate.admit(operation, request);
  if (admission === undefined) return;
  const input = parseObject(body);
  const handler =
    routable && Object.hasOwn(options.handlers, operation) ? options.handlers[operation] : undefined;
  const answer = await answerFor({ operation, handler, request, input, admission }, dialect);
  gate.answered(operation, answer.code);

  const headers: Record<string, string | number> = {
    "Content-Type": "application/x-amz-json-1.1",
    "Content-Length": Buffer.byteLength(answer.body),
    "x-amzn-RequestId": randomUUID(),
  };
  if (answer.code !== undefined) headers["x-amzn-ErrorType"] = answer.code;
  response.writeHead(answer.statusCode, headers).end(answer.body);
  options.onExchange?.({
    operation,
    input,
    statusCode: answer.statusCode,
    body: answer.body,
    accessKeyId: accessKeyIdOf(request),
  });
}

interface Answer {
  readonly statusCode: number;
  readonly body: string;
  readonly code?: string;
}

/** One request on its way to an answer. */
interface Call {
  readonly operation: string;
  /** The handler X-Amz-Target names under the service's prefix, if there is one. */
  readonly handler: AwsJsonHandler | undefined;
  readonly request: IncomingMessage;
  readonly input: JsonObject | undefined;
  readonly admission: Admission;
}

async function answerFor(
  { operation, handler, request, input, admission }: Call,
  { serverErrorCode, throttleCode, messageMember }: Dialect,
): Promise<Answer> {
  try {
    if (admission === "throttle") throw new AwsError(throttleCode, "Rate exceeded");
    if (admission === "serverError") {
      throw new AwsError(serverErrorCode, "Service unavailable (injected fault).", 500);
    }
    if (request.method !== "POST" || request.url !== "/" || handler === undefined) {
      throw new AwsError("UnknownOperationException", `Unknown operation ${operation}.`);
    }
    if (input === undefined)
      throw new AwsError("SerializationException", "The request body is not a JSON object.");
    const output = await handler(new JsonReader(input));
    return { statusCode: 200, body: JSON.stringify(output ?? {}, epochSeconds) };
  } catch (error) {
    const failure =
      error instanceof AwsError
        ? error
        : new AwsError(
            serverErrorCode,
            `Internal error: ${error instanceof Error ? error.message : String(error)}`,
            500,
          );
    return {
      statusCode: failure.statusCode,
      code: failure.code,
      body: JSON.stringify({ __type: failure.code, [messageMember]: failure.message, ...failure.members }),
    };
  }
}

/** JSON 1.1 writes timestamps as epoch seconds. */
function epochSeconds(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

/** The operation named by X-Amz-Target; only targets under the service's prefix can reach a handler. */
function operationOf(
  request: IncomingMessage,
  targetPrefix: string,
): { operation: string; routable: boolean } {
  const target = request.headers["x-amz-target"];
  if (typeof target !== "string") return { operation: "(no X-Amz-Target)", routable: false };
  const routable = target.startsWith(`${targetPrefix}.`);
  return { operation: routable ? target.slice(targetPrefix.length + 1) : target, routable };
}

/** SigV4's `Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<scope>, ...` (signatures are not checked). */
function accessKeyIdOf(request: IncomingMessage): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? "")?.[1];
}

function parseObject(body: string): JsonObject | undefined {
  if (body.trim() === "") return {};
  try {
    const value = JSON.parse(body) as Json;
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
