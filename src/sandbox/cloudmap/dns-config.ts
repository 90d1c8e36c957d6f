import type { JsonObject } from "../json.js";
import type { JsonReader } from "../json-reader.js";
import { invalidInput } from "./errors.js";
import { integerIn, oneOf } from "./members.js";
import type { DnsConfig, DnsRecord, DnsRecordType } from "./state.js";

/** A service's DnsConfig and HealthCheckConfig, checked the way CreateService and UpdateService check them. */

const RECORD_TYPES: readonly DnsRecordType[] = ["SRV", "A", "AAAA", "CNAME"];

/** The record sets a service may define: A, AAAA, A and AAAA, SRV, or CNAME. */
const RECORD_SETS = ["A", "AAAA", "A,AAAA", "SRV", "CNAME"];

/** Reads `DnsRecords` (of DnsConfig or DnsConfigChange). */
export function dnsRecords(config: JsonReader): DnsRecord[] {
  const records = (config.objects("DnsRecords") ?? []).map((record) => {
    const type = oneOf(record, "Type", RECORD_TYPES);
    const ttl = integerIn(record, "TTL", 0, 2147483647);
    if (type === undefined || ttl === undefined) throw invalidInput("A DnsRecord needs Type and TTL.");
    return { Type: type, TTL: ttl };
  });
  if (!RECORD_SETS.includes(recordTypes(records))) {
    throw invalidInput("DnsRecords must be one of: A, AAAA, A and AAAA, SRV, CNAME.");
  }
  return records;
}

/** The record types, sorted and joined: equal for equal record sets. */
export const recordTypes = (records: readonly { readonly Type: string }[]): string =>
  records
    .map((record) => record.Type)
    .sort()
    .join(",");

/** CreateService's DnsConfig as the service shows it: RoutingPolicy (default MULTIVALUE) and DnsRecords. */
export function dnsConfig(config: JsonReader): DnsConfig {
  const records = dnsRecords(config);
  const routingPolicy = oneOf(config, "RoutingPolicy", ["MULTIVALUE", "WEIGHTED"] as const) ?? "MULTIVALUE";
  if (recordTypes(records) === "CNAME" && routingPolicy !== "WEIGHTED") {
    throw invalidInput("A CNAME record needs the WEIGHTED routing policy.");
  }
  return { RoutingPolicy: routingPolicy, DnsRecords: records };
}

/** A Route 53 health check: Type, and ResourcePath and FailureThreshold when given. */
export function healthCheckConfig(config: JsonReader): JsonObject {
  const type = oneOf(config, "Type", ["HTTP", "HTTPS", "TCP"] as const);
  if (type === undefined) throw invalidInput("HealthCheckConfig.Type is required.");
  const resourcePath = config.string("ResourcePath");
  if (resourcePath !== undefined && (type === "TCP" || resourcePath.length > 255)) {
    throw invalidInput(
      "HealthCheckConfig.ResourcePath is for HTTP and HTTPS checks, at most 255 characters.",
    );
  }
  const failureThreshold = integerIn(config, "FailureThreshold", 1, 10);
  return {
    Type: type,
    ...(resourcePath === undefined ? {} : { ResourcePath: resourcePath }),
    ...(failureThreshold === undefined ? {} : { FailureThreshold: failureThreshold }),
  };
}
