import { randomUUID } from "node:crypto";
import { AGENT_NODE, SERF_HEALTH } from "./agent-node.js";
import { blockingRead } from "./blocking.js";
import { badRequest, ConsulError } from "./consul-error.js";
import { type ConsulContext, decodeBody, type Route } from "./endpoint.js";
import { formatGoDuration, parseGoDuration } from "./go-duration.js";
import type { GoStruct } from "./go-json.js";
import { createSession, destroySession, type SessionInput } from "./session-store.js";
import { maxIndex } from "./store.js";
import { sessionView } from "./views.js";

/** Consul's limit on session TTLs: at most a day. */
const SESSION_TTL_MAX = 86_400e9;

/** A session on the agent's node, checked by its serf health, releasing its locks, with a 15 s lock delay. */
const DEFAULTS: SessionInput = {
  name: "",
  node: AGENT_NODE,
  lockDelay: 15e9,
  behavior: "release",
  ttl: "",
  nodeChecks: [SERF_HEALTH],
};

export function sessionRoutes(context: ConsulContext): Route[] {
  const { store, sessionTimers } = context;
  const requireId = (id: string) => {
    if (id === "") throw badRequest("Missing session");
    return id;
  };
  return [
    {
      // PUT /v1/session/create (session#create-session) -> {ID}
      path: "/v1/session/create",
      methods: {
        PUT: {
          operation: "SessionCreate",
          handler: ({ body }) => {
            const input: SessionInput =
              body.length === 0 ? DEFAULTS : decodeBody(body, "Session", sessionInput);
            const ttl = checkTtl(input.ttl, context.sessionTtlMin);
            const id = randomUUID();
            store.write((tx) => createSession(tx, id, input));
            if (ttl > 0) sessionTimers.reset(id, ttl);
            return { json: { ID: id } };
          },
        },
      },
    },
    {
      // PUT /v1/session/renew/:uuid (session#renew-session): restarts the TTL
      path: "/v1/session/renew/",
      methods: {
        PUT: {
          operation: "SessionRenew",
          handler: ({ param }) => {
            const session = store.tables.sessions.get(requireId(param));
            if (session === undefined) throw new ConsulError(`Session id '${param}' not found`, 404);
            if (session.ttl !== "") sessionTimers.reset(session.id, parseGoDuration(session.ttl));
            return { json: [sessionView(session)] };
          },
        },
      },
    },
    {
      // PUT /v1/session/destroy/:uuid (session#delete-session): true even when the session is gone
      path: "/v1/session/destroy/",
      methods: {
        PUT: {
          operation: "SessionDestroy",
          handler: ({ param }) => {
            const id = requireId(param);
            store.write((tx) => destroySession(tx, id));
            sessionTimers.clear(id);
            return { json: true };
          },
        },
      },
    },
    {
      // GET /v1/session/info/:uuid (session#read-session): [] for an unknown session
      path: "/v1/session/info/",
      methods: {
        GET: {
          operation: "SessionInfo",
          handler: (request) => {
            const id = requireId(request.param);
            return blockingRead(store, request, () => {
              const session = store.tables.sessions.get(id);
              const json = session === undefined ? [] : [sessionView(session)];
              return { index: maxIndex(store.tables, "sessions"), reply: { json } };
            });
          },
        },
      },
    },
  ];
}

/** structs.Session; a LockDelay under 1000 (ns) means seconds, and Checks or NodeChecks replace serfHealth. */
function sessionInput(body: GoStruct): SessionInput {
  const lockDelay = body.has("LockDelay") ? body.duration("LockDelay") : DEFAULTS.lockDelay;
  const checks = [...(body.strings("Checks") ?? []), ...(body.strings("NodeChecks") ?? [])];
  const behavior = body.string("Behavior") || DEFAULTS.behavior;
  if (behavior !== "release" && behavior !== "delete")
    throw new ConsulError(`Invalid Behavior setting '${behavior}'`);
  return {
    name: body.string("Name"),
    node: body.string("Node") || DEFAULTS.node,
    lockDelay: lockDelay < 1000 ? lockDelay * 1e9 : lockDelay,
    behavior,
    ttl: body.string("TTL"),
    nodeChecks: body.has("Checks") || body.has("NodeChecks") ? [...new Set(checks)] : DEFAULTS.nodeChecks,
  };
}

/** The TTL in nanoseconds (0 for none), refused outside [session_ttl_min, 24h] as Session.Apply does. */
function checkTtl(ttl: string, min: number): number {
  if (ttl === "") return 0;
  let nanos: number;
  try {
    nanos = parseGoDuration(ttl);
  } catch (error) {
    throw new ConsulError(`Session TTL '${ttl}' invalid: ${(error as Error).message}`);
  }
  if (nanos !== 0 && (nanos < min || nanos > SESSION_TTL_MAX)) {
    throw new ConsulError(
      `Invalid Session TTL '${nanos}', must be between [${formatGoDuration(min)}=${formatGoDuration(SESSION_TTL_MAX)}]`,
    );
  }
  return nanos;
}
