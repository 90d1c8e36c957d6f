import {
  ClientException,
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ECSServiceException,
  InvalidParameterException,
  ListServicesCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { AwsError } from "../../src/sandbox/aws-error.js";
import { startAwsJsonServer } from "../../src/sandbox/aws-json-server.js";
import { CallCounter } from "../../src/sandbox/call-counter.js";
import { ECS_TARGET_PREFIX } from "../../src/sandbox/ecs/server.js";
import { Faults } from "../../src/sandbox/faults.js";
import { CREDENTIALS, ecsForFile } from "./support.js";

const t = ecsForFile();
afterAll(() => {
  // Every answered request went past the model checks (this runs before the fixture closes the server).
  expect(t.checked).toBe(t.server.calls.total());
});

/** A raw AWS JSON 1.1 call, for what the SDK would never send. */
async function raw(target: string | undefined, body: string, method = "POST") {
  const response = await fetch(t.server.url, {
    method,
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      ...(target === undefined ? {} : { "X-Amz-Target": target }),
    },
    ...(method === "POST" ? { body } : {}),
  });
  return { response, json: (await response.json()) as Record<string, unknown> };
}

describe("the AWS JSON 1.1 wire protocol", () => {
  it("turns error codes into the SDK's exception classes", async () => {
    const failures = await Promise.all([
      t.client.send(new UpdateServiceCommand({ service: "nope", desiredCount: 1 })).catch((e: unknown) => e),
      t.client.send(new ListServicesCommand({ cluster: "nope" })).catch((e: unknown) => e),
      t.client.send(new DescribeServicesCommand({ services: [] })).catch((e: unknown) => e),
      t.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: "nope" })).catch((e: unknown) => e),
    ]);
    expect(failures[0]).toBeInstanceOf(ServiceNotFoundException);
    expect(failures[1]).toBeInstanceOf(ClusterNotFoundException);
    expect(failures[2]).toBeInstanceOf(InvalidParameterException);
    expect(failures[3]).toBeInstanceOf(ClientException);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(ECSServiceException);
      expect((failure as ECSServiceException).$fault).toBe("client");
      expect((failure as ECSServiceException).$metadata.httpStatusCode).toBe(400);
    }
    expect((failures[1] as Error).message).toBe("Cluster not found.");
  });

  it("answers with a request id, the error type header and a typed body", async () => {
    const { response, json } = await raw(
      `${ECS_TARGET_PREFIX}.ListServices`,
      JSON.stringify({ cluster: "nope" }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("ClusterNotFoundException");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(json).toEqual({ __type: "ClusterNotFoundException", message: "Cluster not found." });
  });

  it("refuses unknown operations, foreign target prefixes and other methods", async () => {
    for (const target of [`${ECS_TARGET_PREFIX}.LaunchRockets`, "Other_20200101.ListServices", undefined]) {
      const { response, json } = await raw(target, "{}");
      expect(response.status).toBe(400);
      expect(json.__type).toBe("UnknownOperationException");
    }
    const { json } = await raw(`${ECS_TARGET_PREFIX}.ListServices`, "", "GET");
    expect(json.__type).toBe("UnknownOperationException");
  });

  it("refuses bodies that are not JSON objects and members of the wrong type", async () => {
    for (const body of ["[1]", "{not json", '{"cluster": 5, "service": "x"}']) {
      const { response, json } = await raw(`${ECS_TARGET_PREFIX}.UpdateService`, body);
      expect(response.status).toBe(400);
      expect(json.__type).toBe("SerializationException");
    }
    t.requestIssues.length = 0;
  });

  it("writes timestamps as epoch seconds", async () => {
    await t.client.send(
      new RegisterTaskDefinitionCommand({
        family: "clock",
        containerDefinitions: [{ name: "c", image: "i", memory: 8 }],
      }),
    );
    const { json } = await raw(`${ECS_TARGET_PREFIX}.DescribeTaskDefinition`, '{"taskDefinition":"clock"}');
    const registeredAt = (json.taskDefinition as Record<string, unknown>).registeredAt;
    expect(typeof registeredAt).toBe("number");
    expect(Math.abs((registeredAt as number) - Date.now() / 1000)).toBeLessThan(60);
    const described = await t.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: "clock" }));
    expect(described.taskDefinition?.registeredAt).toBeInstanceOf(Date);
  });

  it("is reached through AWS_ENDPOINT_URL_ECS, with no endpoint option", async () => {
    vi.stubEnv("AWS_ENDPOINT_URL_ECS", t.server.url);
    try {
      const fromEnv = new ECSClient({ region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 1 });
      await expect(fromEnv.send(new ListServicesCommand({}))).resolves.toMatchObject({ serviceArns: [] });
      fromEnv.destroy();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("accepts any credentials, signed or not", async () => {
    const stranger = new ECSClient({
      endpoint: t.server.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "whatever", sessionToken: "token" },
      maxAttempts: 1,
    });
    await expect(stranger.send(new ListServicesCommand({}))).resolves.toMatchObject({ serviceArns: [] });
    stranger.destroy();
    const { response } = await raw(`${ECS_TARGET_PREFIX}.ListServices`, "{}");
    expect(response.status).toBe(200);
  });
});

describe("a JSON service of its own", () => {
  const toyCall = async (url: string, operation: string, body: unknown) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-Amz-Target": `Toy_20240101.${operation}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as unknown };
  };

  it("serves any target prefix and reports unexpected failures as server errors", async () => {
    const server = await startAwsJsonServer({
      targetPrefix: "Toy_20240101",
      handlers: {
        Echo: (input) => ({ said: input.string("say"), at: new Date(1_700_000_000_500) }),
        Refuse: () => {
          throw new AwsError("NopeException", "no");
        },
        Crash: () => {
          throw new Error("boom");
        },
      },
    });
    const call = (operation: string, body: unknown) => toyCall(server.url, operation, body);
    expect(await call("Echo", { say: "hi" })).toEqual({
      status: 200,
      json: { said: "hi", at: 1_700_000_000.5 },
    });
    expect(await call("Refuse", {})).toEqual({
      status: 400,
      json: { __type: "NopeException", message: "no" },
    });
    expect(await call("Crash", {})).toEqual({
      status: 500,
      json: { __type: "InternalFailure", message: "Internal error: boom" },
    });
    await server.close();
  });

  it("spells the message member and the throttling code as the service does, with the error's members", async () => {
    const calls = new CallCounter();
    const server = await startAwsJsonServer({
      targetPrefix: "Toy_20240101",
      messageMember: "Message",
      throttleCode: "RequestLimitExceeded",
      handlers: {
        Claim: () => {
          throw new AwsError("TakenException", "taken", 400, { OwnerId: "o-1" });
        },
      },
      faults: new Faults({
        buckets: { claims: { burst: 1, refillPerSecond: 0 } },
        operations: { Claim: "claims" },
      }),
      calls,
    });
    expect(await toyCall(server.url, "Claim", {})).toEqual({
      status: 400,
      json: { __type: "TakenException", Message: "taken", OwnerId: "o-1" },
    });
    expect(await toyCall(server.url, "Claim", {})).toEqual({
      status: 400,
      json: { __type: "RequestLimitExceeded", Message: "Rate exceeded" },
    });
    expect(calls.get("Claim")).toMatchObject({ total: 2, throttled: 1, errors: { TakenException: 1 } });
    await server.close();
  });
});
