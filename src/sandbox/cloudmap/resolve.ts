import type { JsonReader } from "../json-reader.js";
import { idOf } from "./arns.js";
import { namespaceNotFound, serviceNotFound } from "./errors.js";
import { requiredString } from "./members.js";
import type { CloudMapState, NamespaceRecord, ServiceRecord } from "./state.js";

/** A namespace the API shows: one still being created does not exist yet. */
export function findNamespace(state: CloudMapState, id: string): NamespaceRecord | undefined {
  const namespace = state.namespaces.get(id);
  return namespace?.status === "CREATING" ? undefined : namespace;
}

/** Namespaces the API shows, in creation order. */
export const visibleNamespaces = (state: CloudMapState): NamespaceRecord[] =>
  [...state.namespaces.values()].filter((namespace) => namespace.status !== "CREATING");

/** The namespace a member names by ID or ARN. */
export function resolveNamespace(state: CloudMapState, input: JsonReader, member: string): NamespaceRecord {
  const id = idOf(requiredString(input, member));
  const namespace = findNamespace(state, id);
  if (namespace === undefined) throw namespaceNotFound(id);
  return namespace;
}

/** The service a member names by ID or ARN. */
export function resolveService(state: CloudMapState, input: JsonReader, member: string): ServiceRecord {
  const id = idOf(requiredString(input, member));
  const service = state.services.get(id);
  if (service === undefined) throw serviceNotFound(id);
  return service;
}
