import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError } from "../aws-error.js";
import type { CallCounter } from "../call-counter.js";
import { CallGate } from "../call-gate.js";
import type { Faults } from "../faults.js";
import { type LocalAddress, type LocalHttpServer, readBody, startLocalHttp } from "../local-http.js";
import { QueryParams } from "./query-params.js";
import { leaf, node } from "./xml.js";

/** One action: the parameters it takes (top-level names) and the XML of its result members. */
export interface QueryAction {
  readonly parameters: readonly string[];
  answer(params: QueryParams): string;
}

export interface QueryServerOptions extends LocalAddress {
  /** The API version, e.g. 2016-11-15: it names the response namespace. */
  readonly version: string;
  readonly actions: Readonly<Record<string, QueryAction>>;
  readonly faults?: Faults;
  readonly calls?: CallCounter;
}

/** EC2 answers throttled calls with this code and HTTP 503. */
export const THROTTLE_CODE = "RequestLimitExceeded";

interface Answer {
  readonly statusCode: number;
  readonly body: string;
  readonly code?: string;
}

/**
 * An HTTP server speaking the EC2 Query protocol: form-encoded `Action=…&Version=…&…` (POST body or
 * GET query string) in, XML out, errors as `<Response><Errors><Error>…`. Signatures are not checked.
 */
export async function startQueryServer(options: QueryServerOptions): Promise<LocalHttpServer> {
  const gate = new CallGate(options.faults, options.calls, THROTTLE_CODE);
  const xmlns = `http://ec2.amazonaws.com/doc/${options.version}/`;

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const body = (await readBody(request)).toString("utf8");
    const values = formValues(request, body);
    const action = values.get("Action");
    const operation = action ?? "(no Action)";
    const admission = await gate.admit(operation, request);
    if (admission === undefined) return;
    const requestId = randomUUID();
    let answer: Answer;
    try {
      if (admission === "throttle") throw new AwsError(THROTTLE_CODE, "Request limit exceeded.", 503);
      if (admission === "serverError") {
        throw new AwsError("InternalError", "An internal error has occurred (injected fault).", 500);
      }
      const result = dispatch(options.actions, action, values, request);
      const root = `${operation}Response`;
      answer = {
        statusCode: 200,
        body: `<${root} xmlns="${xmlns}">${leaf("requestId", requestId)}${result}</${root}>`,
      };
    } catch (error) {
      answer = errorAnswer(error, requestId);
    }
    gate.answered(operation, answer.code);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${answer.body}`;
    response
      .writeHead(answer.statusCode, {
        "Content-Type": "text/xml;charset=UTF-8",
        "Content-Length": Buffer.byteLength(xml),
        "x-amzn-RequestId": requestId,
      })
      .end(xml);
  };
  return startLocalHttp(serve, options);
}

function dispatch(
  actions: Readonly<Record<string, QueryAction>>,
  action: string | undefined,
  values: Map<string, string>,
  request: IncomingMessage,
): string {
  if (action === undefined)
    throw new AwsError("MissingAction", "The request must contain the parameter Action.");
  const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  if (handler === undefined || path !== "/" || (request.method !== "POST" && request.method !== "GET")) {
    throw new AwsError("InvalidAction", `The action ${action} is not valid for this web service.`);
  }
  values.delete("Action");
  values.delete("Version");
  const params = new QueryParams(values);
  for (const name of params.names()) {
    if (!handler.parameters.includes(name)) {
      throw new AwsError("UnknownParameter", `The parameter ${name} is not recognized`);
    }
  }
  return handler.answer(params);
}

function errorAnswer(error: unknown, requestId: string): Answer {
  const failure =
    error instanceof AwsError
      ? error
      : new AwsError(
          "InternalError",
          `An internal error has occurred: ${error instanceof Error ? error.message : String(error)}`,
          500,
        );
  return {
    statusCode: failure.statusCode,
    code: failure.code,
    body: node(
      "Response",
      node("Errors", node("Error", leaf("Code", failure.code), leaf("Message", failure.message))),
      leaf("RequestID", requestId),
    ),
  };
}

/** The query string's parameters, then the form body's (EC2 takes either). */
function formValues(request: IncomingMessage, body: string): Map<string, string> {
  const query = new URL(request.url ?? "/", "http://localhost").searchParams;
  return new Map([...query, ...new URLSearchParams(body)]);
}
