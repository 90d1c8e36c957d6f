import { z } from "zod";
import { manifestOf, Name } from "./common.js";
import { dtabText } from "./dtab-text.js";

/** Relative to the other weights of the list; `.inf`, `.nan` and 1e400 (Infinity in YAML) are not shares. */
const WEIGHT_RULE = "a weight is a finite number >= 0, relative to the others in the list (e.g. 90 and 10)";
const Weight = z.number({ error: WEIGHT_RULE }).min(0, { error: WEIGHT_RULE });

/** Where a rule sends traffic: a managed Service (by its Consul name) or any dtab path. */
const Destination = z
  .strictObject({
    service: Name.optional(),
    path: dtabText("dtab path").optional(),
    weight: Weight.default(1),
  })
  .refine((d) => (d.service === undefined) !== (d.path === undefined), {
    error: "give exactly one of service or path",
  });
export type Destination = z.infer<typeof Destination>;

const Rule = z.strictObject({
  /** A dtab prefix such as /svc/world; `*` matches one segment. */
  match: dtabText("dtab prefix"),
  /** Weighted destinations (`&`); their weights need not sum to 100, only to more than 0. */
  to: z.array(Destination).min(1),
  /** Used when the `to` names do not exist, e.g. Consul does not know them (`|` falls through on neg). */
  fallback: z.array(Destination).min(1).optional(),
});
export type RouteRule = z.infer<typeof Rule>;

export const RouteSpec = z
  .strictObject({
    /** Dtab namespace; defaults to the Mesh's linkerd.namespace. */
    namespace: z.string().optional(),
    rules: z.array(Rule).min(1).optional(),
    /** Raw dtab text, for what the structured rules cannot say. */
    dtab: dtabText("dtab").optional(),
  })
  .refine((spec) => (spec.rules === undefined) !== (spec.dtab === undefined), {
    error: "give exactly one of rules or dtab",
  });

export const Route = manifestOf("Route", RouteSpec);
export type Route = z.infer<typeof Route>;
