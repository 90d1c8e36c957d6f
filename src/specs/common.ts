import { z } from "zod";
import { closest } from "./suggest.js";

export const API_VERSION = "ecsmesh.io/v1alpha1";

/** Resource names double as ECS service names, Consul service names and DNS labels. */
export const Name = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
  error: "must be a DNS label: lower-case letters, digits and '-', 1 to 63 characters",
});

const LabelKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/, {
  error: "label keys are letters, digits, '.', '_', '/', '-' (at most 128)",
});

export const Metadata = z.strictObject({
  name: Name,
  labels: z.record(LabelKey, z.string().max(256)).optional(),
  annotations: z.record(LabelKey, z.string()).optional(),
});
export type Metadata = z.infer<typeof Metadata>;

/**
 * A value ECS only takes as a string: YAML turns `PORT: 8080` into a number, so scalars are accepted
 * and stringified. The loader refuses those whose text would change (`1.10` -> "1.1"): see
 * SCALAR_TEXT_MAPS.
 */
export const ScalarText = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const Port = z.number().int().min(1).max(65_535);

export const HttpUrl = z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" });

export const IamRoleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
  error: "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
});

// The docker reference grammar (github.com/distribution/reference): [registry[:port]/]name[:tag][@digest].
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const REGISTRY = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REMOTE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const REGISTRY_NAME = new RegExp(`^${REGISTRY}$`);
const TAG_AND_DIGEST = new RegExp(`^(?::${TAG})?(?:@${DIGEST})?$`);

/** Why `reference` is not one docker (and so ECS) can pull, or undefined when it is. */
export function imageReferenceProblem(reference: string): string | undefined {
  const nameEnd = reference.search(/[:@](?=[^/]*$)/);
  const name = nameEnd < 0 ? reference : reference.slice(0, nameEnd);
  const suffix = nameEnd < 0 ? "" : reference.slice(nameEnd);
  const slash = name.indexOf("/");
  const first = name.slice(0, slash);
  // As docker decides: the first component names a registry only if it has a '.' or ':' or is localhost.
  const hasRegistry = slash > 0 && (/[.:]/.test(first) || first === "localhost");
  const remote = hasRegistry ? name.slice(slash + 1) : name;
  if (hasRegistry && !REGISTRY_NAME.test(first)) return `"${first}" is not a registry host[:port]`;
  if (!REMOTE_NAME.test(remote)) {
    return /[A-Z]/.test(remote)
      ? "repository names are lower-case"
      : "repository names are lower-case letters and digits separated by '.', '_', '__', '-' or '/'";
  }
  if (!TAG_AND_DIGEST.test(suffix)) {
    return "a tag is up to 128 letters, digits, '_', '.', '-' (not starting with '.' or '-'), a digest algorithm:hex";
  }
  return name.length > 255 ? "the name is longer than 255 characters" : undefined;
}

/** A container image reference, checked against docker's grammar: ECS would fail the task otherwise. */
export const ImageReference = z
  .string()
  .max(255)
  .superRefine((reference, ctx) => {
    const problem = imageReferenceProblem(reference);
    if (problem) {
      ctx.addIssue({
        code: "custom",
        message: `not an image reference ([registry[:port]/]name[:tag][@digest]): ${problem}`,
      });
    }
  });

/**
 * AWS regions ECS runs in (commercial, GovCloud, China, European Sovereign Cloud), as of late 2025:
 * a typo such as us-east-3 would otherwise only fail at the first API call. Add new regions here.
 */
export const AWS_REGIONS: readonly string[] = [
  ...["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "mx-central-1"],
  ...["sa-east-1", "af-south-1", "il-central-1", "me-south-1", "me-central-1"],
  ...["eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3"],
  ...["eu-south-1", "eu-south-2", "eu-north-1", "eusc-de-east-1"],
  ...["ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2"],
  ...["ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4"],
  ...["ap-southeast-5", "ap-southeast-6", "ap-southeast-7"],
  ...["us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1"],
];

export const AwsRegion = z.string().refine((region) => AWS_REGIONS.includes(region), {
  error: (issue) => {
    const hint = typeof issue.input === "string" ? closest(issue.input, AWS_REGIONS) : undefined;
    return `not an AWS region${hint ? ` (did you mean ${hint}?)` : ""}; expected one such as us-east-1`;
  },
});

export const LaunchType = z.enum(["EC2", "FARGATE", "EXTERNAL"]);
export const NetworkMode = z.enum(["bridge", "awsvpc", "host", "none"]);

/** awsvpc network configuration, shared by Mesh defaults and Service overrides. */
export const NetworkConfiguration = z.strictObject({
  subnets: z
    .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "expected a subnet id (subnet-...)" }))
    .min(1)
    .max(16),
  securityGroups: z
    .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, { error: "expected a security group id (sg-...)" }))
    .max(5)
    .default([]),
  assignPublicIp: z.boolean().default(false),
});
export type NetworkConfiguration = z.infer<typeof NetworkConfiguration>;

/** Builds the envelope every kind shares: apiVersion, kind, metadata, spec. */
export function manifestOf<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({
    apiVersion: z.literal(API_VERSION, { error: `apiVersion must be ${API_VERSION}` }),
    kind: z.literal(kind),
    metadata: Metadata,
    spec,
  });
}
