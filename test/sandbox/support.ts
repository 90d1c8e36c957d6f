/** A local ECS server for the sandbox tests, with every request and response held to the ECS contract. */

import {
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from "@aws-sdk/client-ecs";
import { expect } from "vitest";
import { type EcsServer, type EcsServerOptions, startEcsServer } from "../../src/sandbox/ecs/server.js";
import { ecsContract } from "./contracts.js";
import { fixture, stoppedAfterEach } from "./fixture.js";

export const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** Fast enough for tests: tasks start in 30 ms and stop in 20 ms. */
export const FAST_TIMING = { tickMs: 10, taskStartMs: 30, taskStopMs: 20 };

export interface TestEcs {
  readonly server: EcsServer;
  readonly client: ECSClient;
  /** Requests that broke the contract's input shapes (tests of validation send some on purpose). */
  readonly requestIssues: string[];
  /** Responses that broke the contract's output or error shapes: always a bug. */
  readonly responseIssues: string[];
  /** How many answered requests were checked. */
  checked: number;
  close(): Promise<void>;
}

export function newClient(url: string, maxAttempts = 1): ECSClient {
  return new ECSClient({ endpoint: url, region: "us-east-1", credentials: CREDENTIALS, maxAttempts });
}

/** Starts a server (no throttling, fast tasks unless overridden) and a real SDK client for it. */
export async function startTestEcs(options: EcsServerOptions = {}): Promise<TestEcs> {
  const requestIssues: string[] = [];
  const responseIssues: string[] = [];
  const server = await startEcsServer({
    ...options,
    faults: { throttling: false, ...options.faults },
    timing: { ...FAST_TIMING, ...options.timing },
    onExchange: (exchange) => {
      test.checked += 1;
      const issues = ecsContract.exchangeIssues(exchange);
      requestIssues.push(...issues.request);
      responseIssues.push(...issues.response);
    },
  });
  const client = newClient(server.url);
  const test: TestEcs = {
    server,
    client,
    requestIssues,
    responseIssues,
    checked: 0,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
  return test;
}

/** Closes the server after checking that every request and response it saw kept to the contract. */
export async function closeChecked(test: TestEcs): Promise<void> {
  await test.close();
  expect(test.responseIssues).toEqual([]);
  expect(test.requestIssues).toEqual([]);
}

/** A fresh server and client for each test of the file, contract-checked and closed after it. */
export const ecsPerTest = (options: EcsServerOptions = {}): TestEcs =>
  fixture("test", () => startTestEcs(options), closeChecked);

/** One server and client for the whole file, contract-checked and closed after its tests. */
export const ecsForFile = (options: EcsServerOptions = {}): TestEcs =>
  fixture("file", () => startTestEcs(options), closeChecked);

/** For tests that start their own server (with their own options): contract-checks and closes it after the test. */
export const ecsStartedByEachTest = () => stoppedAfterEach(startTestEcs, closeChecked);

/** Polls until `check` stops throwing (or rethrows its last failure after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 5_000,
  intervalMs = 15,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** Registers a one-container task definition (bridge, 64 MiB, one port) and returns its ARN. */
export async function registerApp(
  client: ECSClient,
  family: string,
  overrides: Partial<RegisterTaskDefinitionCommandInput> & { image?: string; hostPort?: number } = {},
): Promise<string> {
  const { image = `example/${family}:1`, hostPort, ...rest } = overrides;
  const portMapping = hostPort === undefined ? { containerPort: 8080 } : { containerPort: 8080, hostPort };
  const { taskDefinition } = await client.send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: [{ name: family, image, memory: 64, portMappings: [portMapping] }],
      ...rest,
    }),
  );
  return taskDefinition?.taskDefinitionArn ?? "";
}
