import type { CheckInput, ServiceInput } from "./catalog-writes.js";
import { ConsulError } from "./consul-error.js";
import type { GoStruct } from "./go-json.js";
import type { CheckDefinition, Weights } from "./records.js";

/**
 * Decoding of the catalog's request structures (structs.NodeService, structs.HealthCheck) shared by
 * /catalog/register and /txn, with the pre-apply checks Consul's servers run on them.
 */

/** A structs.NodeService; the ID defaults to the name, and an ID without a name is refused. */
export function serviceInput(service: GoStruct): ServiceInput {
  const name = service.string("Service");
  const id = service.string("ID") || name;
  if (id !== "" && name === "") {
    throw new ConsulError("Must provide service name with ID");
  }
  const address = service.string("Address");
  if (address === "0.0.0.0" || address === "::" || address === "[::]")
    throw new ConsulError("Invalid service address");
  return {
    id,
    service: name,
    tags: service.strings("Tags"),
    address,
    meta: service.stringMap("Meta"),
    port: service.integer("Port"),
    weights: weightsOf(service),
    enableTagOverride: service.boolean("EnableTagOverride"),
  };
}

export function weightsOf(service: GoStruct): Weights | null {
  const weights = service.struct("Weights", "Weights");
  return weights === undefined
    ? null
    : { passing: weights.integer("Passing"), warning: weights.integer("Warning") };
}

/** A structs.HealthCheck; the node defaults to the request's, the check ID to the check's name. */
export function checkInput(check: GoStruct, node: string): CheckInput {
  const definition = definitionOf(check.struct("Definition", "HealthCheckDefinition"));
  return {
    node: check.string("Node") || node,
    checkId: check.string("CheckID") || check.string("Name"),
    name: check.string("Name"),
    status: check.string("Status"),
    notes: check.string("Notes"),
    output: check.string("Output"),
    serviceId: check.string("ServiceID"),
    type: check.string("Type"),
    definition,
  };
}

/** The HTTP / TCP target and the durations of a check (Go duration text or nanoseconds). */
export function definitionOf(definition: GoStruct | undefined): CheckDefinition {
  return {
    http: definition?.string("HTTP") ?? "",
    tcp: definition?.string("TCP") ?? "",
    interval: definition?.duration("Interval") ?? 0,
    timeout: definition?.duration("Timeout") ?? 0,
    deregisterCriticalServiceAfter: definition?.duration("DeregisterCriticalServiceAfter") ?? 0,
  };
}

/** Consul's nodePreApply: a node name, and an ID that is a UUID when given. */
export function checkNode(node: string, id: string): void {
  if (node === "") throw new ConsulError("Must provide node");
  if (id === "") return;
  if (id.length !== 36) throw new ConsulError("Bad node ID: uuid string is wrong length");
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)) {
    throw new ConsulError("Bad node ID: uuid is improperly formatted");
  }
}
