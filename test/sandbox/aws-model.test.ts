import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AWS_MODELS_DIR, AwsModel, modelFile } from "../../src/sandbox/aws-model.js";
import { ecsModel } from "./support.js";

const messages = (issues: { path: string; message: string }[]) =>
  issues.map((i) => `${i.path}: ${i.message}`);

describe("botocore models", () => {
  it("are found beside the project, whatever the working directory", () => {
    expect(AWS_MODELS_DIR).toBe(
      `${path.resolve(import.meta.dirname, "../../../shared/aws-models")}${path.sep}`,
    );
    expect(existsSync(modelFile("ecs", "2014-11-13"))).toBe(true);
    const cloudMap = AwsModel.load(modelFile("servicediscovery", "2017-03-14"));
    expect(cloudMap.targetPrefix).toBe("Route53AutoNaming_v20170314");
    expect(ecsModel.targetPrefix).toBe("AmazonEC2ContainerServiceV20141113");
  });

  it("describe operations with their shapes and declared errors", () => {
    expect(ecsModel.operation("DescribeServices")).toEqual({
      input: "DescribeServicesRequest",
      output: "DescribeServicesResponse",
      errors: expect.arrayContaining(["ClusterNotFoundException", "InvalidParameterException"]),
    });
    expect(ecsModel.isError("ServiceNotFoundException")).toBe(true);
    expect(ecsModel.isError("Service")).toBe(false);
    expect(() => ecsModel.operation("LaunchRockets")).toThrow(/no operation/);
  });
});

describe("validation against a shape", () => {
  it("accepts a well-formed value", () => {
    const input = {
      serviceName: "web",
      desiredCount: 2,
      tags: [{ key: "team", value: "mesh" }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
    };
    expect(ecsModel.validateInput("CreateService", input)).toEqual([]);
  });

  it("finds missing, unknown, mistyped and out-of-range members", () => {
    const input = {
      desiredCount: "2",
      replicas: 3,
      launchType: "LAPTOP",
      enableECSManagedTags: "yes",
      tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "v" })),
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true } },
      serviceRegistries: [null],
    };
    expect(messages(ecsModel.validateInput("CreateService", input))).toEqual([
      "$.desiredCount: BoxedInteger must be an integer",
      "$: CreateServiceRequest has no member replicas",
      '$.launchType: "LAPTOP" is not one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES',
      "$.enableECSManagedTags: Boolean must be a boolean",
      "$.tags: 51 items is above the maximum 50",
      "$.deploymentConfiguration.deploymentCircuitBreaker: DeploymentCircuitBreaker requires rollback",
      "$.serviceRegistries[0]: null where ServiceRegistry belongs",
      "$: CreateServiceRequest requires serviceName",
    ]);
  });

  it("checks string patterns and lengths as whole-value matches", () => {
    expect(ecsModel.validate("Tag", { key: "team", value: "a b:c/d=e+f-g@h_i.j" })).toEqual([]);
    expect(messages(ecsModel.validate("Tag", { key: "", value: "a;b" }))).toEqual([
      "$.key: 0 characters is below the minimum 1",
      '$.value: "a;b" does not match ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)',
    ]);
  });

  it("wants timestamps as epoch seconds, maps as objects and documents as anything", () => {
    expect(ecsModel.validate("ServiceEvent", { id: "1", createdAt: 1_700_000_000.25, message: "m" })).toEqual(
      [],
    );
    expect(messages(ecsModel.validate("ServiceEvent", { createdAt: "2024-01-01T00:00:00Z" }))).toEqual([
      "$.createdAt: Timestamp must be epoch seconds",
    ]);
    expect(ecsModel.validate("DockerLabelsMap", { a: "b" })).toEqual([]);
    expect(messages(ecsModel.validate("DockerLabelsMap", { a: 1 }))).toEqual([
      "$.a: String must be a string",
    ]);
    expect(ecsModel.validate("HookDetails", { anything: [1, { nested: true }] })).toEqual([]);
  });
});
