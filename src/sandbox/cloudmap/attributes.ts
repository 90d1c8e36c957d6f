import { isIPv4, isIPv6 } from "node:net";
import type { JsonReader } from "../json-reader.js";
import { invalidInput } from "./errors.js";
import { stringMap } from "./members.js";
import { QUOTAS } from "./quotas.js";
import type { HealthStatus, ServiceRecord } from "./state.js";

/** RegisterInstance's Attributes: the model's key and value syntax, Cloud Map's quotas, and what the service needs. */

/** Attributes Cloud Map reads itself; every other key is a custom attribute. */
const RESERVED = new Set([
  "AWS_ALIAS_DNS_NAME",
  "AWS_EC2_INSTANCE_ID",
  "AWS_INIT_HEALTH_STATUS",
  "AWS_INSTANCE_CNAME",
  "AWS_INSTANCE_IPV4",
  "AWS_INSTANCE_IPV6",
  "AWS_INSTANCE_PORT",
]);
const KEY = /^[a-zA-Z0-9!-~]{1,255}$/;
const VALUE = /^(?:[!-~](?:[ \t!-~]{0,1022}[!-~])?)?$/;

export function instanceAttributes(input: JsonReader, service: ServiceRecord): Record<string, string> {
  const attributes = stringMap(input, "Attributes");
  if (attributes === undefined) throw invalidInput("Attributes is required.");
  let characters = 0;
  let custom = 0;
  for (const [key, value] of Object.entries(attributes)) {
    if (!KEY.test(key)) throw invalidInput(`Attribute key ${key} is not valid.`);
    if (!VALUE.test(value)) throw invalidInput(`The value of attribute ${key} is not valid.`);
    characters += key.length + value.length;
    if (!RESERVED.has(key)) custom += 1;
  }
  if (custom > QUOTAS.customAttributesPerInstance) {
    throw invalidInput(
      `An instance can have at most ${QUOTAS.customAttributesPerInstance} custom attributes.`,
    );
  }
  if (characters > QUOTAS.attributeCharacters) {
    throw invalidInput(
      `Attribute keys and values can total at most ${QUOTAS.attributeCharacters} characters.`,
    );
  }
  checkReserved(attributes);
  checkNeeded(attributes, service);
  return attributes;
}

/** The health an instance starts with: AWS_INIT_HEALTH_STATUS under a custom check, else healthy; none unchecked. */
export function initialHealth(
  service: ServiceRecord,
  attributes: Readonly<Record<string, string>>,
): HealthStatus | undefined {
  if (service.healthCheckCustomConfig !== undefined) {
    return attributes.AWS_INIT_HEALTH_STATUS === "UNHEALTHY" ? "UNHEALTHY" : "HEALTHY";
  }
  return service.healthCheckConfig === undefined ? undefined : "HEALTHY";
}

function checkReserved(attributes: Readonly<Record<string, string>>): void {
  const {
    AWS_INSTANCE_IPV4: ipv4,
    AWS_INSTANCE_IPV6: ipv6,
    AWS_INSTANCE_PORT: port,
    AWS_INIT_HEALTH_STATUS: health,
  } = attributes;
  if (ipv4 !== undefined && !isIPv4(ipv4)) {
    throw invalidInput(`AWS_INSTANCE_IPV4 is not an IPv4 address: ${ipv4}`);
  }
  if (ipv6 !== undefined && !isIPv6(ipv6)) {
    throw invalidInput(`AWS_INSTANCE_IPV6 is not an IPv6 address: ${ipv6}`);
  }
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) {
    throw invalidInput(`AWS_INSTANCE_PORT is not a port: ${port}`);
  }
  if (health !== undefined && health !== "HEALTHY" && health !== "UNHEALTHY") {
    throw invalidInput("AWS_INIT_HEALTH_STATUS must be HEALTHY or UNHEALTHY.");
  }
}

/** The attributes the service's DNS records and health check are built from. */
function checkNeeded(attributes: Readonly<Record<string, string>>, service: ServiceRecord): void {
  const has = (key: string) => Object.hasOwn(attributes, key);
  const need = (key: string, why: string) => {
    if (!has(key)) throw invalidInput(`${key} is required ${why}.`);
  };
  for (const record of service.dnsConfig?.DnsRecords ?? []) {
    const why = `for the service's ${record.Type} record`;
    if (record.Type === "A") need("AWS_INSTANCE_IPV4", why);
    if (record.Type === "AAAA") need("AWS_INSTANCE_IPV6", why);
    if (record.Type === "CNAME") need("AWS_INSTANCE_CNAME", why);
    if (record.Type === "SRV") {
      need("AWS_INSTANCE_PORT", why);
      if (!has("AWS_INSTANCE_IPV4") && !has("AWS_INSTANCE_IPV6")) {
        throw invalidInput(`AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6 is required ${why}.`);
      }
    }
  }
  if (service.healthCheckConfig !== undefined) need("AWS_INSTANCE_PORT", "for the service's health check");
}
