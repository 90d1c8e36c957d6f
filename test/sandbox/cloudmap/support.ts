/** A local Cloud Map for the tests, driven by the real SDK client, with every exchange held to the Cloud Map contract. */

import {
  CreateHttpNamespaceCommand,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  GetOperationCommand,
  type Operation,
  RegisterInstanceCommand,
  ServiceDiscoveryClient,
} from "@aws-sdk/client-servicediscovery";
import { expect, vi } from "vitest";
import {
  type CloudMapServer,
  type CloudMapServerOptions,
  startCloudMapServer,
} from "../../../src/sandbox/cloudmap/server.js";
import { cloudMapContract } from "../contracts.js";
import { fixture, stoppedAfterEach } from "../fixture.js";

/** Operations take 10 ms SUBMITTED and 20 ms PENDING. */
const FAST_TIMING = { submittedMs: 10, pendingMs: 20 };

export interface TestCloudMap {
  readonly server: CloudMapServer;
  readonly client: ServiceDiscoveryClient;
  /** Requests that broke the contract's input shapes (tests of validation send some on purpose). */
  readonly requestIssues: string[];
  /** Responses that broke the contract's output or error shapes: always a bug. */
  readonly responseIssues: string[];
  close(): Promise<void>;
}

function newClient(url: string): ServiceDiscoveryClient {
  return new ServiceDiscoveryClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
    maxAttempts: 1,
    disableHostPrefix: true,
  });
}

/** Starts a server (fast operations unless overridden) and a real SDK client for it. */
export async function startTestCloudMap(options: CloudMapServerOptions = {}): Promise<TestCloudMap> {
  const requestIssues: string[] = [];
  const responseIssues: string[] = [];
  const server = await startCloudMapServer({
    ...options,
    timing: { ...FAST_TIMING, ...options.timing },
    onExchange: (exchange) => {
      const issues = cloudMapContract.exchangeIssues(exchange);
      requestIssues.push(...issues.request);
      responseIssues.push(...issues.response);
    },
  });
  const client = newClient(server.url);
  return {
    server,
    client,
    requestIssues,
    responseIssues,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

/** Closes the server after checking that every request and response it saw kept to the contract. */
export async function closeChecked(test: TestCloudMap): Promise<void> {
  await test.close();
  expect(test.responseIssues).toEqual([]);
  expect(test.requestIssues).toEqual([]);
}

/** A fresh server and client for each test of the file, contract-checked and closed after it. */
export const cloudMapPerTest = (): TestCloudMap => fixture("test", () => startTestCloudMap(), closeChecked);

/** For tests that start their own server (with their own options): contract-checks and closes it after the test. */
export const cloudMapStartedByEachTest = () => stoppedAfterEach(startTestCloudMap, closeChecked);

/** Polls GetOperation until the operation ends in SUCCESS or FAIL. */
export function settled(client: ServiceDiscoveryClient, operationId: string | undefined): Promise<Operation> {
  return vi.waitFor(
    async () => {
      const { Operation: operation } = await client.send(
        new GetOperationCommand({ OperationId: operationId }),
      );
      if (operation?.Status !== "SUCCESS" && operation?.Status !== "FAIL") {
        throw new Error(`operation ${operationId} is still ${operation?.Status}`);
      }
      return operation;
    },
    { timeout: 3_000, interval: 5 },
  );
}

/** Creates an HTTP namespace and waits for it; returns its id. */
export async function httpNamespace(client: ServiceDiscoveryClient, name: string): Promise<string> {
  const { OperationId } = await client.send(new CreateHttpNamespaceCommand({ Name: name }));
  const operation = await settled(client, OperationId);
  expect(operation.Status).toBe("SUCCESS");
  return operation.Targets?.NAMESPACE ?? "";
}

/** Creates a service (HTTP unless the input says otherwise); returns its id. */
export async function service(
  client: ServiceDiscoveryClient,
  namespaceId: string,
  name: string,
  input: Partial<CreateServiceCommandInput> = {},
): Promise<string> {
  const { Service } = await client.send(
    new CreateServiceCommand({ NamespaceId: namespaceId, Name: name, ...input }),
  );
  return Service?.Id ?? "";
}

/** Registers an instance and waits for the registration to succeed. */
export async function register(
  client: ServiceDiscoveryClient,
  serviceId: string,
  instanceId: string,
  attributes: Record<string, string> = { AWS_INSTANCE_IPV4: "10.0.0.1", AWS_INSTANCE_PORT: "8080" },
): Promise<void> {
  const { OperationId } = await client.send(
    new RegisterInstanceCommand({ ServiceId: serviceId, InstanceId: instanceId, Attributes: attributes }),
  );
  expect((await settled(client, OperationId)).Status).toBe("SUCCESS");
}

/** Accepts the request issues a test caused on purpose, one pattern each, and clears them. */
export function deliberatelyInvalid(test: TestCloudMap, ...patterns: RegExp[]): void {
  expect(test.requestIssues).toEqual(patterns.map((pattern) => expect.stringMatching(pattern)));
  test.requestIssues.length = 0;
}
