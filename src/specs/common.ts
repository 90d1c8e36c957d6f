import { z } from "zod";

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

export const Port = z.number().int().min(1).max(65_535);

export const HttpUrl = z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" });

export const IamRoleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
  error: "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
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
