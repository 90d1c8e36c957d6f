import type { z } from "zod";
import { Mesh } from "./mesh.js";
import { Monitoring } from "./monitoring.js";
import { Route } from "./route.js";
import { Service } from "./service.js";

/** Every manifest kind and its schema; the loader dispatches on `kind` through this table. */
export const KINDS = { Mesh, Service, Route, Monitoring } as const satisfies Record<string, z.ZodType>;
export type Kind = keyof typeof KINDS;

export function isKind(value: unknown): value is Kind {
  return typeof value === "string" && Object.hasOwn(KINDS, value);
}
