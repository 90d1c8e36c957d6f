import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { AwsError } from "./aws-error.js";
import type { CallCounter, CallOutcome } from "./call-counter.js";
import type { FaultDecision, Faults } from "./faults.js";
import { isJsonObject, type Json, type JsonObject } from "./json.js";
import { JsonReader } from "./json-reader.js";

/** Serves one operation: returns the output structure (Dates become epoch seconds) or throws AwsError. */
export type AwsJsonHandler = (input: JsonReader) => unknown;

/** One answered request, as sent on the wire. */
export interface AwsJsonExchange {
  readonly operation: string;
  /** The parsed request body; undefined when it was not a JSON object. */
  readonly input: JsonObject | undefined;
  readonly statusCode: number;
  readonly body: string;
}

export interface AwsJsonServerOptions {
  /** The `X-Amz-Target` prefix, e.g. AmazonEC2ContainerServiceV20141113. */
  readonly targetPrefix: string;
  readonly handlers: Readonly<Record<string, AwsJsonHandler>>;
  readonly faults?: Faults;
  readonly calls?: CallCounter;
  /** Code of injected and unexpected server errors; AWS's common InternalFailure unless the service has its own. */
  readonly serverErrorCode?: string;
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Sees every answered request, e.g. to check responses against the service model. */
  readonly onExchange?: (exchange: AwsJsonExchange) => void;
}

export interface AwsJsonServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const PASS: FaultDecision = { latencyMs: 0, outcome: "pass" };

/**
 * An HTTP server speaking the AWS JSON 1.1 protocol: POST / with `X-Amz-Target: <prefix>.<Operation>`,
 * JSON in and out, errors as `{"__type", "message"}` plus `x-amzn-ErrorType`. Signatures are not checked.
 */
export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const server = createServer((request, response) => {
    serve(options, request, response).catch((error: unknown) => {
      // Only writing to a socket the client already dropped can fail here.
      response.destroy(error instanceof Error ? error : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

async function serve(options: AwsJsonServerOptions, request: IncomingMessage, response: ServerResponse) {
  const body = await readBody(request);
  const { operation, routable } = operationOf(request, options.targetPrefix);
  const decision = options.faults?.decide(operation) ?? PASS;
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  const record = (outcome: CallOutcome) => options.calls?.record(operation, outcome);
  if (decision.outcome === "connectionReset") {
    record({ kind: "connectionReset" });
    request.socket.destroy();
    return;
  }
  const input = parseObject(body);
  const handler =
    routable && Object.hasOwn(options.handlers, operation) ? options.handlers[operation] : undefined;
  const answer = await answerFor(
    { operation, handler, request, input, decision },
    options.serverErrorCode ?? "InternalFailure",
  );
  if (answer.statusCode === 200) record({ kind: "ok" });
  else if (answer.code === "ThrottlingException") record({ kind: "throttled" });
  else record({ kind: "error", code: answer.code ?? "Unknown" });

  const headers: Record<string, string | number> = {
    "Content-Type": "application/x-amz-json-1.1",
    "Content-Length": Buffer.byteLength(answer.body),
    "x-amzn-RequestId": randomUUID(),
  };
  if (answer.code !== undefined) headers["x-amzn-ErrorType"] = answer.code;
  response.writeHead(answer.statusCode, headers).end(answer.body);
  options.onExchange?.({ operation, input, statusCode: answer.statusCode, body: answer.body });
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
  readonly decision: FaultDecision;
}

async function answerFor(
  { operation, handler, request, input, decision }: Call,
  serverErrorCode: string,
): Promise<Answer> {
  try {
    if (decision.outcome === "throttle") throw new AwsError("ThrottlingException", "Rate exceeded");
    if (decision.outcome === "serverError") {
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
      body: JSON.stringify({ __type: failure.code, message: failure.message }),
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

function parseObject(body: string): JsonObject | undefined {
  if (body.trim() === "") return {};
  try {
    const value = JSON.parse(body) as Json;
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      request.socket.destroy();
      throw new Error("request body too large");
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
