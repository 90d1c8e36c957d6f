/** The contracts the sandbox tests hold the local ECS and Cloud Map servers to. */

import * as ecsSdk from "@aws-sdk/client-ecs";
import * as cloudMapSdk from "@aws-sdk/client-servicediscovery";
import { AwsContract } from "../../src/sandbox/aws-contract.js";
import { BotocoreModel } from "../../src/sandbox/botocore-model.js";

/** ECS answers these from any operation, beyond its own error shapes. */
export const ecsContract = new AwsContract(
  ecsSdk,
  new Set(["ThrottlingException", "UnknownOperationException", "SerializationException"]),
  BotocoreModel.loadIfPresent("ecs", "2014-11-13"),
);

/** Cloud Map answers these from any operation, beyond its own error shapes. */
export const cloudMapContract = new AwsContract(
  cloudMapSdk,
  new Set(["UnknownOperationException", "SerializationException", "InternalFailure"]),
  BotocoreModel.loadIfPresent("servicediscovery", "2017-03-14"),
);

/** Issues only the optional botocore model finds (patterns, ranges, enums): expected only where it is present. */
export function onlyWithBotocore<T>(contract: AwsContract, ...expected: T[]): T[] {
  return contract.botocore === undefined ? [] : expected;
}
