import { z } from "zod";
import {
  AwsRegion,
  IamRoleArn,
  ImageReference,
  LaunchType,
  manifestOf,
  Name,
  NetworkConfiguration,
  NetworkMode,
  Port,
  ScalarText,
} from "./common.js";
import type { FieldPath } from "./diagnostic.js";
import { duration } from "./duration.js";

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: "environment variable names are letters, digits and '_', not starting with a digit",
});

/** The Service maps whose values are ScalarText; the loader checks their text survives stringifying. */
export const SCALAR_TEXT_MAPS: readonly FieldPath[] = [
  ["spec", "env"],
  ["spec", "logging", "options"],
];

const SecretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:(ssm:[a-z0-9-]+:\d{12}:parameter\/.+|secretsmanager:[a-z0-9-]+:\d{12}:secret:.+)$/,
    {
      error: "valueFrom must be an SSM parameter ARN or a Secrets Manager secret ARN",
    },
  );

const SecretRef = z.strictObject(
  { valueFrom: SecretArn },
  {
    error: (issue) =>
      typeof issue.input === "string"
        ? "a secret must be {valueFrom: <SSM or Secrets Manager ARN>}; plain-text values are not allowed here (use env for non-secret values)"
        : undefined,
  },
);

/** A reference to one of the container's ports, by name or number. */
const PortRef = z.union([Port, Name]);

export const PortMapping = z.strictObject({
  containerPort: Port,
  /** Absent or 0 under bridge mode means an ephemeral host port; under awsvpc it must equal containerPort. */
  hostPort: z.number().int().min(0).max(65_535).optional(),
  protocol: z.enum(["tcp", "udp"]).default("tcp"),
  name: Name.optional(),
});
export type PortMapping = z.infer<typeof PortMapping>;

const HealthCheck = z.strictObject({
  command: z
    .array(z.string().min(1))
    .min(2)
    .refine((command) => ["CMD", "CMD-SHELL"].includes(command[0] ?? ""), {
      error: 'the first element must be "CMD" or "CMD-SHELL"',
    }),
  interval: duration({ min: "5s", max: "300s" }).prefault("30s"),
  timeout: duration({ min: "2s", max: "60s" }).prefault("5s"),
  retries: z.number().int().min(1).max(10).default(3),
  startPeriod: duration({ max: "300s" }).optional(),
});

const ConsulDiscovery = z.strictObject({
  /** Consul service name; defaults to metadata.name. */
  name: Name.optional(),
  tags: z.array(z.string().min(1).max(255)).default([]),
  /** Which container port to register; defaults to the first one. */
  port: PortRef.optional(),
  healthCheck: z
    .strictObject({
      http: z.string().startsWith("/", { error: "expected a path such as /health" }),
      interval: duration({ min: "1s" }).prefault("10s"),
      timeout: duration({ min: "1s" }).prefault("2s"),
      deregisterCriticalServiceAfter: duration({ min: "1m" }).prefault("10m"),
    })
    .optional(),
});

const CloudMapDiscovery = z.strictObject({
  name: Name.optional(),
  dnsTtl: duration({ min: "1s", max: "24h" }).prefault("10s"),
});

/** As ECS takes them: memberOf needs a cluster query expression, distinctInstance refuses one. */
const PlacementConstraint = z
  .strictObject({
    type: z.enum(["distinctInstance", "memberOf"]),
    expression: z.string().min(1).max(2000).optional(),
  })
  .superRefine(({ type, expression }, ctx) => {
    if (type === "memberOf" && expression === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["expression"],
        message: "memberOf needs an expression, e.g. attribute:ecs.instance-type =~ t3.*",
      });
    }
    if (type === "distinctInstance" && expression !== undefined) {
      ctx.addIssue({ code: "custom", path: ["expression"], message: "distinctInstance takes no expression" });
    }
  });

/** The `field` each strategy takes in ECS; random takes none. */
const STRATEGY_FIELDS = {
  random: undefined,
  spread: {
    pattern: /^(instanceId|host|attribute:[A-Za-z0-9_.:/-]+)$/,
    rule: "instanceId, host or attribute:<name> (e.g. attribute:ecs.availability-zone)",
  },
  binpack: { pattern: /^(cpu|memory)$/, rule: "cpu or memory" },
} as const;

const PlacementStrategy = z
  .strictObject({ type: z.enum(["random", "spread", "binpack"]), field: z.string().optional() })
  .superRefine(({ type, field }, ctx) => {
    const fields = STRATEGY_FIELDS[type];
    if (!fields && field !== undefined) {
      ctx.addIssue({ code: "custom", path: ["field"], message: `${type} takes no field` });
    }
    if (fields && !fields.pattern.test(field ?? "")) {
      ctx.addIssue({ code: "custom", path: ["field"], message: `${type} needs a field: ${fields.rule}` });
    }
  });

export const ServiceSpec = z.strictObject({
  image: ImageReference,
  command: z.array(z.string()).optional(),
  entryPoint: z.array(z.string()).optional(),
  /** CPU units (1024 = one vCPU) and memory in MiB for the task. */
  cpu: z.number().int().min(128).max(16_384).optional(),
  memory: z.number().int().min(6).max(122_880),
  ports: z.array(PortMapping).max(100).default([]),
  env: z.record(EnvName, ScalarText).default({}),
  secrets: z.record(EnvName, SecretRef).default({}),
  healthCheck: HealthCheck.optional(),
  /** Absent: the controller leaves the running count alone (autoscaling owns it). */
  desiredCount: z.number().int().min(0).max(5_000).optional(),
  scheduling: z.enum(["REPLICA", "DAEMON"]).default("REPLICA"),
  deployment: z
    .strictObject({
      minimumHealthyPercent: z.number().int().min(0).max(100).optional(),
      maximumPercent: z.number().int().min(100).max(200).optional(),
      circuitBreaker: z.strictObject({ enable: z.boolean(), rollback: z.boolean().default(true) }).optional(),
    })
    .optional(),
  placement: z
    .strictObject({
      constraints: z.array(PlacementConstraint).max(10).default([]),
      strategy: z.array(PlacementStrategy).max(5).default([]),
    })
    .optional(),
  launchType: LaunchType.optional(),
  networkMode: NetworkMode.optional(),
  network: NetworkConfiguration.optional(),
  taskRoleArn: IamRoleArn.optional(),
  executionRoleArn: IamRoleArn.optional(),
  logging: z
    .strictObject({
      driver: z.enum([
        "awslogs",
        "fluentd",
        "gelf",
        "json-file",
        "journald",
        "splunk",
        "syslog",
        "awsfirelens",
      ]),
      options: z.record(z.string(), ScalarText).default({}),
    })
    .superRefine(({ options }, ctx) => {
      // The awslogs driver would fail every task start on a region AWS does not have.
      const region = options["awslogs-region"];
      const checked = region === undefined ? undefined : AwsRegion.safeParse(region);
      if (checked && !checked.success) {
        const message = checked.error.issues[0]?.message ?? "not an AWS region";
        ctx.addIssue({ code: "custom", path: ["options", "awslogs-region"], message });
      }
    })
    .optional(),
  /** Mesh participation: outbound HTTP goes through the node-local linkerd (`http_proxy`). */
  mesh: z.strictObject({ outbound: z.boolean().default(true) }).optional(),
  discovery: z
    .strictObject({
      consul: ConsulDiscovery.optional(),
      cloudMap: CloudMapDiscovery.optional(),
    })
    .default({}),
  metrics: z.strictObject({ port: PortRef, path: z.string().startsWith("/").default("/metrics") }).optional(),
});

export const Service = manifestOf("Service", ServiceSpec);
export type Service = z.infer<typeof Service>;
