import { describe, expect, it } from "vitest";
import type { ContractIssue } from "../../src/sandbox/aws-contract.js";
import { BotocoreModel } from "../../src/sandbox/botocore-model.js";
import { ecsContract } from "./contracts.js";

const messages = (issues: ContractIssue[]) => issues.map((issue) => `${issue.path}: ${issue.message}`);

const service = {
  serviceName: "web",
  desiredCount: 2,
  createdAt: 1_700_000_000.25,
  events: [{ id: "1", createdAt: 1_700_000_000, message: "steady" }],
  tags: [{ key: "team", value: "mesh" }],
  deploymentConfiguration: {
    deploymentCircuitBreaker: { enable: true, rollback: false },
    lifecycleHooks: [{ hookTargetArn: "arn:x", hookDetails: { anything: [1, { nested: true }] } }],
  },
};

describe("the contract from the SDK's schemas", () => {
  it("knows the service's operations and error shapes", () => {
    expect(ecsContract.hasOperation("DescribeServices")).toBe(true);
    expect(ecsContract.hasOperation("LaunchRockets")).toBe(false);
    expect(ecsContract.hasOperation("Service")).toBe(false);
    expect(ecsContract.isError("ServiceNotFoundException")).toBe(true);
    expect(ecsContract.isError("Service")).toBe(false);
    expect(() => ecsContract.validateOutput("LaunchRockets", {})).toThrow(/no operation LaunchRockets/);
  });

  it("accepts a well-formed response, documents holding anything", () => {
    expect(ecsContract.validateOutput("DescribeServices", { services: [service], failures: [] })).toEqual([]);
  });

  it("finds unknown members, wrong types and nulls in a response", () => {
    const broken = {
      services: [
        {
          ...service,
          replicas: 3,
          desiredCount: "2",
          createdAt: "2024-01-01T00:00:00Z",
          deploymentConfiguration: [service.deploymentConfiguration],
          events: { id: "1" },
          tags: [null],
          enableECSManagedTags: "yes",
        },
      ],
      failure: [],
    };
    expect(messages(ecsContract.validateOutput("DescribeServices", broken))).toEqual([
      "$.services[0].desiredCount: must be a number",
      "$.services[0].createdAt: must be epoch seconds",
      "$.services[0].events: must be a list",
      "$.services[0].tags[0]: null where Tag belongs",
      "$.services[0].deploymentConfiguration: DeploymentConfiguration must be a structure",
      "$.services[0]: Service has no member replicas",
      "$.services[0].enableECSManagedTags: must be a boolean",
      "$: DescribeServicesResponse has no member failure",
    ]);
  });

  it("checks map values and required members", () => {
    const taskDefinition = (dockerLabels: unknown) => ({
      taskDefinition: { containerDefinitions: [{ name: "web", dockerLabels }] },
    });
    expect(ecsContract.validateOutput("DescribeTaskDefinition", taskDefinition({ a: "b" }))).toEqual([]);
    expect(messages(ecsContract.validateOutput("DescribeTaskDefinition", taskDefinition({ a: 1 })))).toEqual([
      "$.taskDefinition.containerDefinitions[0].dockerLabels.a: must be a string",
    ]);
    const input = { deploymentConfiguration: { deploymentCircuitBreaker: { enable: true } } };
    expect(messages(ecsContract.validateInput("CreateService", input))).toEqual([
      "$.deploymentConfiguration.deploymentCircuitBreaker: DeploymentCircuitBreaker requires rollback",
      "$: CreateServiceRequest requires serviceName",
    ]);
  });

  it("checks the members of errors", () => {
    expect(ecsContract.validateError("ServiceNotFoundException", { message: "gone" })).toEqual([]);
    expect(
      messages(ecsContract.validateError("ServiceNotFoundException", { message: 1, Message: "x" })),
    ).toEqual(["$.message: must be a string", "$: ServiceNotFoundException has no member Message"]);
  });

  it("turns an exchange into request and response issues", () => {
    const exchange = (operation: string, statusCode: number, answer: unknown) => ({
      operation,
      input: { services: ["web"] },
      statusCode,
      body: JSON.stringify(answer),
    });
    expect(ecsContract.exchangeIssues(exchange("DescribeServices", 200, { services: [service] }))).toEqual({
      request: [],
      response: [],
    });
    expect(
      ecsContract.exchangeIssues(exchange("DescribeServices", 200, { services: [{ desiredCount: "1" }] })),
    ).toEqual({
      request: [],
      response: ["DescribeServices response $.services[0].desiredCount: must be a number"],
    });
    expect(ecsContract.exchangeIssues(exchange("CreateService", 400, { __type: "Oops" }))).toEqual({
      request: [
        "CreateService request $: CreateServiceRequest has no member services",
        "CreateService request $: CreateServiceRequest requires serviceName",
      ],
      response: ["CreateService answered the unknown error Oops"],
    });
    expect(ecsContract.exchangeIssues(exchange("LaunchRockets", 200, {})).response).toEqual([
      "LaunchRockets answered 200 but is not in the contract",
    ]);
    expect(
      ecsContract.exchangeIssues(exchange("LaunchRockets", 400, { __type: "ThrottlingException" })),
    ).toEqual({ request: [], response: [] });
  });
});

describe("the optional botocore model", () => {
  it("is simply absent where the models are not beside the package", () => {
    expect(BotocoreModel.loadIfPresent("no-such-service", "2000-01-01")).toBeUndefined();
  });

  it.skipIf(ecsContract.botocore === undefined)("adds enums, patterns, lengths, ranges and integers", () => {
    const input = {
      serviceName: "web",
      desiredCount: 1.5,
      launchType: "LAPTOP",
      tags: [
        { key: "", value: "a;b" },
        ...Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: "v" })),
      ],
    };
    expect(messages(ecsContract.validateInput("CreateService", input))).toEqual([
      "$.desiredCount: must be an integer",
      '$.launchType: "LAPTOP" is not one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES',
      "$.tags[0].key: 0 characters is below the minimum 1",
      '$.tags[0].value: "a;b" does not match ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)',
      "$.tags: 51 items is above the maximum 50",
    ]);
  });
});
