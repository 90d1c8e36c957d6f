import { randomBytes } from "node:crypto";

/** Random identifiers in the formats ECS and EC2 use. */

const hex = (length: number): string =>
  randomBytes(Math.ceil(length / 2))
    .toString("hex")
    .slice(0, length);

/** Task and container-instance ids: 32 hex digits. */
export const newResourceId = (): string => hex(32);

export const newDeploymentId = (): string => {
  const digits = randomBytes(19).reduce((text, byte) => text + (byte % 10), "");
  return `ecs-svc/${digits.replace(/^0/, "1")}`;
};

export const newEc2InstanceId = (): string => `i-${hex(17)}`;

export const newEniId = (): string => `eni-${hex(17)}`;

export const newMacAddress = (): string => (hex(12).match(/../g) ?? []).join(":");
