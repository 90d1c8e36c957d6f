/**
 * A real Consul dev agent for contract tests, started the way HashiCorp's `sdk/testutil` TestServer
 * starts one: its own free loopback ports, ready once it has a leader and its node is healthy.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { HttpConsulApi } from "../../../src/controllers/consul/consul-client.js";
import { freePorts } from "../../support/processes.js";

/** CONSUL_BIN, else `consul` on PATH; undefined when there is none. */
export const consulBinary: string | undefined = process.env.CONSUL_BIN || onPath("consul");

/** Why the suite cannot run, for the one line (or the failure under CI) that says so. */
export const MISSING_BINARY = "no consul binary: set CONSUL_BIN (or put consul on PATH)";

const READY_TIMEOUT_MS = 15_000;
/** Another process may take a port between our check and the agent's bind: then start again. */
const START_ATTEMPTS = 3;
/** The last lines of the agent's output, to explain a failed start. */
const OUTPUT_TAIL_CHARS = 4_000;

export interface ConsulAgent {
  /** The HTTP API, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** The agent's node name, unique so that readiness is never another agent's; sessions default to it. */
  readonly node: string;
  stop(): Promise<void>;
}

export interface ConsulAgentOptions {
  /** Consul's session_ttl_min (default 10s); leader tests lower it to watch sessions expire. */
  readonly sessionTtlMin?: string;
}

export async function startConsulAgent(options: ConsulAgentOptions = {}): Promise<ConsulAgent> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(options);
    } catch (error) {
      if (attempt === START_ATTEMPTS) throw error;
    }
  }
}

async function launch(options: ConsulAgentOptions): Promise<ConsulAgent> {
  if (!consulBinary) throw new Error(MISSING_BINARY);
  const node = `contract-${randomUUID().slice(0, 8)}`;
  const [http, server, serfLan, serfWan] = await freePorts(4);
  const config = [
    "disable_update_check = true",
    ...(options.sessionTtlMin ? [`session_ttl_min = "${options.sessionTtlMin}"`] : []),
  ].join("\n");
  const agent = spawn(
    consulBinary,
    [
      "agent",
      "-dev",
      ...["-bind", "127.0.0.1", "-client", "127.0.0.1", "-node", node],
      ...["-http-port", String(http), "-dns-port", "-1", "-grpc-port", "-1"],
      ...["-server-port", String(server), "-serf-lan-port", String(serfLan)],
      ...["-serf-wan-port", String(serfWan), "-hcl", config],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  agent.stdout?.on("data", keepTail);
  agent.stderr?.on("data", keepTail);
  const exited = new Promise<void>((resolve) => agent.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${http}`;
  // A dev agent keeps nothing on disk, so a kill loses nothing; a test process that dies takes it along.
  const kill = () => {
    if (agent.exitCode === null && agent.signalCode === null) agent.kill("SIGKILL");
  };
  process.once("exit", kill);
  const stop = async () => {
    process.off("exit", kill);
    kill();
    await exited;
  };
  try {
    await waitUntilReady(url, node, agent);
  } catch (error) {
    await stop();
    throw new Error(`consul agent did not start: ${(error as Error).message}\n${output}`);
  }
  return { url, node, stop };
}

/** One agent for the calling test file: started before its tests, killed after them. */
export function useConsulAgent(options: ConsulAgentOptions = {}): () => ConsulAgent {
  let agent: ConsulAgent | undefined;
  beforeAll(async () => {
    agent = await startConsulAgent(options);
  });
  afterAll(async () => {
    await agent?.stop();
  });
  return () => {
    if (!agent) throw new Error("the Consul agent is not running");
    return agent;
  };
}

/** A local agent answers at once: a short policy keeps failing tests short. */
export const CONTRACT_POLICY = { retries: 1, minBackoffMs: 10, maxBackoffMs: 50, timeoutMs: 5_000 };

/** The project's Consul client, talking to `agent`. */
export function clientOf(agent: ConsulAgent): HttpConsulApi {
  return new HttpConsulApi({ address: agent.url, token: undefined, policy: CONTRACT_POLICY });
}

/** A raw call to the agent's HTTP API, to set up or inspect state behind the client's back. */
export async function consulHttp(agent: ConsulAgent, method: string, route: string, body?: unknown) {
  const response = await fetch(`${agent.url}${route}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: () => JSON.parse(text) as unknown };
}

/** Ready = a leader is elected and the agent's node is in the catalog with a passing serfHealth. */
async function waitUntilReady(url: string, node: string, agent: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (agent.exitCode !== null) throw new Error(`it exited with code ${agent.exitCode}`);
    if ((await leaderElected(url)) && (await nodeHealthy(url, node))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not ready within ${READY_TIMEOUT_MS} ms`);
}

async function leaderElected(url: string): Promise<boolean> {
  const leader = await getJson(`${url}/v1/status/leader`);
  return typeof leader === "string" && leader !== "";
}

async function nodeHealthy(url: string, node: string): Promise<boolean> {
  const checks = await getJson(`${url}/v1/health/node/${node}`);
  return (
    Array.isArray(checks) &&
    checks.some(
      (c: { CheckID?: string; Status?: string }) => c.CheckID === "serfHealth" && c.Status === "passing",
    )
  );
}

/** The parsed answer, or undefined while the agent is not answering yet. */
async function getJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url);
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
