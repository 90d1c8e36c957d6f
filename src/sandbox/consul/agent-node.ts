import { randomUUID } from "node:crypto";
import { ensureCheck, ensureNode, ensureService } from "./catalog-writes.js";
import type { ConsulStore } from "./store.js";

/** The one server node; its agent is the HTTP endpoint, so agent registrations and sessions land on it. */
export const AGENT_NODE = "consul-server";
/** The service every Consul server registers for itself; the agent does not list it among its own. */
export const CONSUL_SERVICE_ID = "consul";
/** The node check every agent has, and sessions use by default. */
export const SERF_HEALTH = "serfHealth";

const ADDRESS = "127.0.0.1";

/** Registers the server node as Consul does at startup: the node, its consul service and serf health check. */
export function registerAgentNode(store: ConsulStore, datacenter: string): void {
  store.write((tx) => {
    ensureNode(tx, {
      id: randomUUID(),
      node: AGENT_NODE,
      address: ADDRESS,
      datacenter,
      taggedAddresses: { lan: ADDRESS, lan_ipv4: ADDRESS, wan: ADDRESS, wan_ipv4: ADDRESS },
      meta: { "consul-network-segment": "" },
    });
    ensureService(tx, AGENT_NODE, {
      id: CONSUL_SERVICE_ID,
      service: CONSUL_SERVICE_ID,
      tags: null,
      address: "",
      meta: null,
      port: 8300,
      weights: null,
      enableTagOverride: false,
    });
    ensureCheck(tx, {
      node: AGENT_NODE,
      checkId: SERF_HEALTH,
      name: "Serf Health Status",
      status: "passing",
      notes: "",
      output: "Agent alive and reachable",
      serviceId: "",
      type: "",
      definition: { http: "", tcp: "", interval: 0, timeout: 0, deregisterCriticalServiceAfter: 0 },
    });
  });
}
