import { describe, expect, it } from "vitest";
import { EC2_RATE_LIMITS } from "../../src/aws/ec2-limits.js";
import { ECS_RATE_LIMITS } from "../../src/aws/ecs-limits.js";
import { EC2_PUBLISHED_LIMITS, ECS_PUBLISHED_LIMITS } from "../../src/sandbox/published-limits.js";

/**
 * The product paces itself with its copy of AWS's published throttling and the fakes throttle with
 * theirs. Two readings of the same pages: they agree today, and this fails when one of them changes.
 */
describe("AWS's published request throttling", () => {
  it("reads the same for ECS in the product and in the sandbox", () => {
    expect(ECS_PUBLISHED_LIMITS).toEqual(ECS_RATE_LIMITS);
  });

  it("reads the same for EC2 in the product and in the sandbox", () => {
    expect(EC2_PUBLISHED_LIMITS).toEqual(EC2_RATE_LIMITS);
  });
});
