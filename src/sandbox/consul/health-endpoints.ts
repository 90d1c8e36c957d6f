import { blockingRead } from "./blocking.js";
import {
  checksByNode,
  checksOn,
  hasTags,
  healthChecksOf,
  instancesOf,
  serviceIndex,
} from "./catalog-reads.js";
import { badRequest } from "./consul-error.js";
import type { ConsulContext, Route } from "./endpoint.js";
import { filterOf } from "./filter.js";
import { CHECK_SERVICE_NODE_SCHEMA, HEALTH_CHECK_SCHEMA } from "./filter-schema.js";
import { parseGoBool } from "./go-strconv.js";
import type { NodeRecord } from "./records.js";
import { maxIndex } from "./store.js";
import { checkView, nodeServiceView, nodeView } from "./views.js";

export function healthRoutes({ store }: ConsulContext): Route[] {
  return [
    {
      // GET /v1/health/node/:node (health#list-checks-for-node): the node's checks, [] for an unknown node
      path: "/v1/health/node/",
      methods: {
        GET: {
          operation: "HealthNode",
          handler: (request) => {
            const node = request.param;
            if (node === "") throw badRequest("Missing node name");
            const filter = filterOf(request.query, HEALTH_CHECK_SCHEMA);
            return blockingRead(store, request, () => {
              const json = checksOn(store.tables, node)
                .map(checkView)
                .filter((view) => filter?.(view) ?? true);
              return { index: maxIndex(store.tables, "checks"), reply: { json } };
            });
          },
        },
      },
    },
    {
      // GET /v1/health/service/:service (health#list-nodes-for-service): {Node, Service, Checks} per instance,
      // with ?passing (only instances whose node and service checks all pass), ?tag= and ?filter=
      path: "/v1/health/service/",
      methods: {
        GET: {
          operation: "HealthService",
          handler: (request) => {
            const name = request.param;
            if (name === "") throw badRequest("Missing service name");
            const passing = passingOnly(request.query);
            const tags = request.query.getAll("tag");
            const filter = filterOf(request.query, CHECK_SERVICE_NODE_SCHEMA);
            return blockingRead(store, request, () => {
              const checks = checksByNode(store.tables);
              const json = instancesOf(store.tables, name)
                .filter((service) => hasTags(service, tags))
                .map((service) => ({
                  service,
                  checks: healthChecksOf(service, checks.get(service.node) ?? []),
                }))
                .filter(({ checks }) => !passing || checks.every((check) => check.status === "passing"))
                .map(({ service, checks }) => ({
                  Node: nodeView(store.tables.nodes.get(service.node) as NodeRecord),
                  Service: nodeServiceView(service),
                  Checks: checks.map(checkView),
                }))
                .filter((entry) => filter?.(entry) ?? true);
              return { index: serviceIndex(store.tables, name, true), reply: { json } };
            });
          },
        },
      },
    },
  ];
}

/** ?passing alone means true; with a value it must be a Go boolean. */
function passingOnly(query: URLSearchParams): boolean {
  const value = query.get("passing");
  if (value === null || value === "") return value !== null;
  try {
    return parseGoBool(value);
  } catch {
    throw badRequest("Invalid value for ?passing");
  }
}
