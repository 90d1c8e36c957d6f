import { AGENT_NODE, CONSUL_SERVICE_ID } from "./agent-node.js";
import { definitionOf, weightsOf } from "./catalog-input.js";
import { servicesOn } from "./catalog-reads.js";
import {
  CHECK_STATUSES,
  type CheckInput,
  checkType,
  deleteCheck,
  deleteService,
  ensureCheck,
  ensureService,
  type ServiceInput,
} from "./catalog-writes.js";
import { badRequest, ConsulError } from "./consul-error.js";
import { type ConsulContext, decodeBody, type Route } from "./endpoint.js";
import { filterOf } from "./filter.js";
import { NODE_SERVICE_SCHEMA } from "./filter-schema.js";
import type { GoStruct } from "./go-json.js";
import { agentServiceView } from "./views.js";

interface Registration {
  readonly service: ServiceInput;
  readonly checks: readonly CheckInput[];
}

/** /v1/agent/service/*: services of the agent's own node, synced to the catalog at once. */
export function agentRoutes(context: ConsulContext): Route[] {
  const { store, datacenter } = context;
  return [
    {
      // PUT /v1/agent/service/register (agent/service#register-service)
      path: "/v1/agent/service/register",
      methods: {
        PUT: {
          operation: "AgentServiceRegister",
          handler: ({ body, query }) => {
            const { service, checks } = decodeBody(body, "ServiceDefinition", registration);
            // Only an empty value or "true" turns it on, as in Consul.
            const replaceChecks = ["", "true"].includes(query.get("replace-existing-checks") ?? "false");
            store.write((tx) => {
              ensureService(tx, AGENT_NODE, service);
              for (const check of checks) ensureCheck(tx, check);
              if (!replaceChecks) return;
              for (const stale of [...tx.tables.checks.values()]) {
                const kept = checks.some((check) => check.checkId === stale.checkId);
                if (stale.node === AGENT_NODE && stale.serviceId === service.id && !kept)
                  deleteCheck(tx, AGENT_NODE, stale.checkId);
              }
            });
            return {};
          },
        },
      },
    },
    {
      // PUT /v1/agent/service/deregister/:service_id (agent/service#deregister-service)
      path: "/v1/agent/service/deregister/",
      methods: {
        PUT: {
          operation: "AgentServiceDeregister",
          handler: ({ param }) => {
            if (!agentServices(context).some((service) => service.id === param)) {
              throw new ConsulError(
                `Unknown service ID ${JSON.stringify(param)}. Ensure that the service ID is passed, not the service name.`,
                404,
              );
            }
            store.write((tx) => deleteService(tx, AGENT_NODE, param));
            return {};
          },
        },
      },
    },
    {
      // GET /v1/agent/services (agent/service#list-services); not a blocking endpoint
      path: "/v1/agent/services",
      methods: {
        GET: {
          operation: "AgentServices",
          handler: ({ query }) => {
            const filter = filterOf(query, NODE_SERVICE_SCHEMA);
            const views = agentServices(context)
              .map((service) => agentServiceView(service, datacenter))
              .filter((view) => filter?.(view) ?? true);
            return { json: Object.fromEntries(views.map((view) => [view.ID, view])) };
          },
        },
      },
    },
  ];
}

function agentServices(context: ConsulContext) {
  return servicesOn(context.store.tables, AGENT_NODE).filter((service) => service.id !== CONSUL_SERVICE_ID);
}

/** structs.ServiceDefinition: the service (Name, not Service) and its Check / Checks. */
function registration(definition: GoStruct): Registration {
  const name = definition.string("Name");
  if (name === "") throw badRequest("Missing service name");
  const address = definition.string("Address");
  if (address === "0.0.0.0" || address === "::" || address === "[::]")
    throw badRequest("Invalid service address");
  const weights = weightsOf(definition);
  if (weights !== null && weights.passing < 1)
    throw badRequest("Invalid Weights: Passing must be greater than 0");
  if (weights !== null && weights.warning < 0) {
    throw badRequest("Invalid Weights: Warning must be greater or equal than 0");
  }
  const service: ServiceInput = {
    id: definition.string("ID") || name,
    service: name,
    tags: definition.strings("Tags"),
    address,
    meta: definition.stringMap("Meta"),
    port: definition.integer("Port"),
    weights,
    enableTagOverride: definition.boolean("EnableTagOverride"),
  };
  const single = definition.struct("Check", "CheckType");
  const types = [
    ...(single === undefined || single.isEmpty() ? [] : [single]),
    ...definition.structs("Checks", "CheckType"),
  ];
  return { service, checks: types.map((type, i) => agentCheck(type, service, types.length > 1 ? i + 1 : 0)) };
}

/**
 * A structs.CheckType of an agent registration: IDs default to "service:<id>" (":<n>" with several checks),
 * names to "Service '<name>' check", and the status to critical until the check first runs.
 */
function agentCheck(type: GoStruct, service: ServiceInput, position: number): CheckInput {
  const definition = definitionOf(type);
  const ttl = type.duration("TTL");
  if ((definition.http !== "" || definition.tcp !== "") && definition.interval <= 0) {
    throw badRequest(
      "Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks",
    );
  }
  if (definition.http === "" && definition.tcp === "" && ttl <= 0) {
    throw badRequest("Invalid check: TTL must be > 0 for TTL checks");
  }
  const status = type.string("Status");
  if (status !== "" && !CHECK_STATUSES.includes(status)) {
    throw badRequest("Status for checks must 'passing', 'warning', 'critical'");
  }
  return {
    node: AGENT_NODE,
    checkId: type.string("CheckID") || `service:${service.id}${position > 0 ? `:${position}` : ""}`,
    name: type.string("Name") || `Service '${service.service}' check`,
    status,
    notes: type.string("Notes"),
    output: "",
    serviceId: service.id,
    type: checkType(definition, ttl),
    definition,
  };
}
