import { z } from "zod";

/**
 * The subset of Linkerd 1's documented configuration (linkerd.io/config/1.7.x) that the
 * controller renders, with strict objects so a misspelt key fails here instead of at linkerd's
 * start on every node.
 */
const Port = z.number().int().min(1).max(65_535);

const Admin = z.strictObject({ ip: z.string().optional(), port: Port });

const ConsulNamer = z.strictObject({
  kind: z.literal("io.l5d.consul"),
  prefix: z.string().startsWith("/").optional(),
  host: z.string().optional(),
  port: Port.optional(),
  includeTag: z.boolean().optional(),
  useHealthCheck: z.boolean().optional(),
  healthStatuses: z.array(z.enum(["passing", "warning", "critical", "maintenance"])).optional(),
  setHost: z.boolean().optional(),
  consistencyMode: z.enum(["default", "stale", "consistent"]).optional(),
  failFast: z.boolean().optional(),
  preferServiceAddress: z.boolean().optional(),
});

const Telemeter = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("io.l5d.prometheus"),
    path: z.string().optional(),
    prefix: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal("io.l5d.recentRequests"),
    sampleRate: z.number().min(0).max(1),
    capacity: z.number().int().positive().optional(),
  }),
]);

const Transformer = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("io.l5d.port"), port: Port }),
  z.strictObject({ kind: z.literal("io.l5d.specificHost"), host: z.string().min(1) }),
  z.strictObject({ kind: z.literal("io.l5d.localhost") }),
]);

const Interpreter = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("default"), transformers: z.array(Transformer).optional() }),
  z.strictObject({
    kind: z.literal("io.l5d.namerd"),
    dst: z.string().startsWith("/$/inet/"),
    namespace: z.string().min(1),
    transformers: z.array(Transformer).optional(),
  }),
]);

const Router = z.strictObject({
  protocol: z.literal("http"),
  label: z.string().min(1),
  servers: z.array(z.strictObject({ ip: z.string().optional(), port: Port })).min(1),
  interpreter: Interpreter.optional(),
  dtab: z.string().optional(),
});

export const LinkerdConfig = z.strictObject({
  admin: Admin,
  namers: z.array(ConsulNamer).optional(),
  telemetry: z.array(Telemeter).optional(),
  usage: z.strictObject({ enabled: z.boolean().optional(), orgId: z.string().optional() }).optional(),
  routers: z.array(Router).min(1),
});
export type LinkerdConfig = z.infer<typeof LinkerdConfig>;
