import { z } from "zod";
import {
  AwsRegion,
  HttpUrl,
  IamRoleArn,
  ImageReference,
  LaunchType,
  manifestOf,
  NetworkConfiguration,
  NetworkMode,
  Port,
} from "./common.js";
import { dtabText } from "./dtab-text.js";

const DtabNamespace = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
  error: "dtab namespaces are letters, digits, '_', '.', '-' (at most 64)",
});

export const MeshSpec = z.strictObject({
  /** Value of the `ecsmesh:owner` tag on everything this controller creates; defaults to metadata.name. */
  ownerId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, {
      error: "owner ids are letters, digits, '_', '.', ':', '-' (at most 64)",
    })
    .optional(),
  ecs: z.strictObject({
    cluster: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, {
      error: "ECS cluster names are letters, digits, '-' and '_' (at most 255)",
    }),
    region: AwsRegion,
    defaults: z
      .strictObject({
        launchType: LaunchType.default("EC2"),
        networkMode: NetworkMode.default("bridge"),
        network: NetworkConfiguration.optional(),
        executionRoleArn: IamRoleArn.optional(),
      })
      .prefault({}),
    /** How many managed task-definition revisions to keep per family; older ones are deregistered. */
    keepRevisions: z.number().int().min(1).max(100).default(5),
  }),
  consul: z
    .strictObject({
      address: HttpUrl.default("http://127.0.0.1:8500"),
      datacenter: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "datacenter names are letters, digits, '-', '_'" })
        .default("dc1"),
    })
    .prefault({}),
  linkerd: z
    .strictObject({
      image: ImageReference.default("buoyantio/linkerd:1.7.5"),
      ports: z
        .strictObject({
          outgoing: Port.default(4140),
          incoming: Port.default(4141),
          admin: Port.default(9990),
        })
        .prefault({}),
      /** Defaults to `/svc => /#/io.l5d.consul/<datacenter>;`. */
      baseDtab: dtabText("dtab").optional(),
      /** The dtab namespace both routers read; Routes default to it. */
      namespace: DtabNamespace.default("default"),
      /** With namerd, routers resolve through it and Routes are synced to its HTTP API. */
      namerd: z
        .strictObject({
          /** The HTTP control API (`/api/1/dtabs`), which the controller writes. */
          url: HttpUrl,
          /** The thrift name interpreter port linkerd reads from, on the same host. */
          interpreterPort: Port.default(4100),
          /** What to do when a dtab in namerd was edited by hand: put the manifests back, or only report it. */
          driftPolicy: z.enum(["overwrite", "report"]).default("overwrite"),
        })
        .optional(),
      /** Run linkerd as a DAEMON service on every container instance (the workshop's setup). */
      daemon: z
        .strictObject({
          enabled: z.boolean().default(true),
          memory: z.number().int().min(256).max(16_384).default(1024),
          cpu: z.number().int().min(128).max(16_384).optional(),
        })
        .prefault({}),
      /**
       * Address tasks use to reach the node-local linkerd (their http_proxy). Defaults: 172.17.0.1
       * (the docker0 gateway) under bridge, 127.0.0.1 under host; awsvpc tasks need it set.
       */
      proxyHost: z
        .string()
        .regex(/^[A-Za-z0-9.-]+$/, { error: "expected a host name or IP address" })
        .optional(),
    })
    .prefault({}),
  cloudMap: z
    .strictObject({
      namespace: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, {
        error: "expected a namespace name such as mesh.local",
      }),
      type: z.enum(["HTTP", "DNS_PRIVATE"]).default("HTTP"),
      vpc: z
        .string()
        .regex(/^vpc-[0-9a-f]{8,17}$/, { error: "expected a VPC id (vpc-...)" })
        .optional(),
    })
    .optional(),
  prune: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Refuse a pass that would delete more than this share of managed services (unless forced). */
      maxDeletePercent: z.number().min(0).max(100).default(50),
    })
    .prefault({}),
});

export const Mesh = manifestOf("Mesh", MeshSpec);
export type Mesh = z.infer<typeof Mesh>;
