import { blockingRead } from "./blocking.js";
import { checkInput, checkNode, serviceInput } from "./catalog-input.js";
import { hasTags, instancesOf, nodeList, serviceIndex, serviceList, servicesOn } from "./catalog-reads.js";
import {
  type CheckInput,
  checkType,
  deleteCheck,
  deleteNode,
  deleteService,
  ensureCheck,
  ensureNode,
  ensureService,
  type NodeInput,
  type ServiceInput,
} from "./catalog-writes.js";
import { badRequest, ConsulError } from "./consul-error.js";
import { type ConsulContext, decodeBody, type Route } from "./endpoint.js";
import { filterOf } from "./filter.js";
import { NODE_SCHEMA, NODE_SERVICE_SCHEMA, SERVICE_NODE_SCHEMA } from "./filter-schema.js";
import type { GoStruct } from "./go-json.js";
import type { NodeRecord } from "./records.js";
import { maxIndex, type WriteTx } from "./store.js";
import { nodeServiceView, nodeView, serviceNodeView } from "./views.js";

/** structs.RegisterRequest, decoded and checked as Catalog.Register does before applying it. */
interface Registration {
  readonly node: NodeInput;
  readonly skipNodeUpdate: boolean;
  readonly service: ServiceInput | undefined;
  readonly checks: readonly CheckInput[];
}

export function catalogRoutes(context: ConsulContext): Route[] {
  const { store } = context;
  return [
    {
      // PUT /v1/catalog/register (catalog#register-entity)
      path: "/v1/catalog/register",
      methods: {
        PUT: {
          operation: "CatalogRegister",
          handler: ({ body }) => {
            const request = decodeBody(body, "RegisterRequest", (r) => registration(r, context));
            store.write((tx) => register(tx, request));
            return { json: true };
          },
        },
      },
    },
    {
      // PUT /v1/catalog/deregister (catalog#deregister-entity): a service wins over a check, else the node
      path: "/v1/catalog/deregister",
      methods: {
        PUT: {
          operation: "CatalogDeregister",
          handler: ({ body }) => {
            const { node, serviceId, checkId } = decodeBody(body, "DeregisterRequest", (r) => {
              requireDatacenter(r, context);
              return {
                node: r.string("Node"),
                serviceId: r.string("ServiceID"),
                checkId: r.string("CheckID"),
              };
            });
            if (node === "") throw new ConsulError("Must provide node");
            store.write((tx) => {
              if (serviceId !== "") deleteService(tx, node, serviceId);
              else if (checkId !== "") deleteCheck(tx, node, checkId);
              else deleteNode(tx, node);
            });
            return { json: true };
          },
        },
      },
    },
    {
      // GET /v1/catalog/services (catalog#list-services): names -> tags; the filter sees each instance
      path: "/v1/catalog/services",
      methods: {
        GET: {
          operation: "CatalogServices",
          handler: (request) => {
            const filter = filterOf(request.query, SERVICE_NODE_SCHEMA);
            return blockingRead(store, request, () => {
              const tags = new Map<string, Set<string>>();
              for (const service of serviceList(store.tables)) {
                if (filter !== undefined && !filter(serviceNodeView(nodeOf(context, service.node), service)))
                  continue;
                const known = tags.get(service.service) ?? new Set();
                for (const tag of service.tags ?? []) known.add(tag);
                tags.set(service.service, known);
              }
              const json = Object.fromEntries([...tags].map(([name, set]) => [name, [...set].sort()]));
              return { index: maxIndex(store.tables, "services"), reply: { json } };
            });
          },
        },
      },
    },
    {
      // GET /v1/catalog/service/:service_name (catalog#list-nodes-for-service), with ?tag= and ?filter=
      path: "/v1/catalog/service/",
      methods: {
        GET: {
          operation: "CatalogService",
          handler: (request) => {
            const name = request.param;
            if (name === "") throw badRequest("Missing service name");
            const tags = request.query.getAll("tag");
            const filter = filterOf(request.query, SERVICE_NODE_SCHEMA);
            return blockingRead(store, request, () => {
              const json = instancesOf(store.tables, name)
                .filter((service) => hasTags(service, tags))
                .map((service) => serviceNodeView(nodeOf(context, service.node), service))
                .filter((view) => filter?.(view) ?? true);
              return { index: serviceIndex(store.tables, name, false), reply: { json } };
            });
          },
        },
      },
    },
    {
      // GET /v1/catalog/node-services/:node_name (catalog#list-services-for-node); an unknown node
      // answers 200 with {"Node": null, "Services": null}, as Consul's handler returns its empty reply
      path: "/v1/catalog/node-services/",
      methods: {
        GET: {
          operation: "CatalogNodeServices",
          handler: (request) => {
            const name = request.param;
            if (name === "") throw badRequest("Missing node name");
            const filter = filterOf(request.query, NODE_SERVICE_SCHEMA);
            return blockingRead(store, request, () => {
              const node = store.tables.nodes.get(name);
              const services = servicesOn(store.tables, name)
                .map(nodeServiceView)
                .filter((view) => filter?.(view) ?? true);
              const json =
                node === undefined
                  ? { Node: null, Services: null }
                  : { Node: nodeView(node), Services: services };
              return { index: maxIndex(store.tables, "nodes", "services"), reply: { json } };
            });
          },
        },
      },
    },
    {
      // GET /v1/catalog/nodes (catalog#list-nodes)
      path: "/v1/catalog/nodes",
      methods: {
        GET: {
          operation: "CatalogNodes",
          handler: (request) => {
            const filter = filterOf(request.query, NODE_SCHEMA);
            return blockingRead(store, request, () => {
              const json = nodeList(store.tables)
                .map(nodeView)
                .filter((view) => filter?.(view) ?? true);
              return { index: maxIndex(store.tables, "nodes"), reply: { json } };
            });
          },
        },
      },
    },
  ];
}

/** The node of a stored instance (the catalog never keeps a service without its node). */
function nodeOf(context: ConsulContext, name: string): NodeRecord {
  return context.store.tables.nodes.get(name) as NodeRecord;
}

/** A request naming another datacenter would be forwarded; this one-datacenter sandbox has no route to it. */
function requireDatacenter(request: GoStruct, context: ConsulContext): void {
  const datacenter = request.string("Datacenter");
  if (datacenter !== "" && datacenter !== context.datacenter) throw new ConsulError("No path to datacenter");
}

function registration(request: GoStruct, context: ConsulContext): Registration {
  requireDatacenter(request, context);
  const name = request.string("Node");
  const id = request.string("ID");
  checkNode(name, id);
  const skipNodeUpdate = request.boolean("SkipNodeUpdate");
  const address = request.string("Address");
  if (address === "" && !skipNodeUpdate)
    throw new ConsulError("Must provide address if SkipNodeUpdate is not set");
  const service = request.struct("Service", "NodeService");
  const single = request.struct("Check", "HealthCheck");
  return {
    node: {
      id,
      node: name,
      address,
      datacenter: context.datacenter,
      taggedAddresses: request.stringMap("TaggedAddresses"),
      meta: request.stringMap("NodeMeta"),
    },
    skipNodeUpdate,
    service: service === undefined ? undefined : serviceInput(service),
    // Catalog.Register's checkPreApply fills in a missing type from the definition; a txn does not.
    checks: [...(single === undefined ? [] : [single]), ...request.structs("Checks", "HealthCheck")].map(
      (check) => {
        const input = checkInput(check, name);
        return { ...input, type: input.type || checkType(input.definition) };
      },
    ),
  };
}

/** Consul's ensureRegistration: the node (unless skipped and known), then the service, then the checks. */
function register(tx: WriteTx, request: Registration): void {
  const step = (what: string, apply: () => void) => {
    try {
      apply();
    } catch (error) {
      if (error instanceof ConsulError) throw new ConsulError(`failed inserting ${what}: ${error.message}`);
      throw error;
    }
  };
  if (!request.skipNodeUpdate || !tx.tables.nodes.has(request.node.node)) {
    step("node", () => ensureNode(tx, request.node));
  }
  const { service } = request;
  if (service !== undefined) step("service", () => ensureService(tx, request.node.node, service));
  for (const check of request.checks) step("check", () => ensureCheck(tx, check));
}
