import { AwsError } from "../aws-error.js";
import { type InstanceView, STATE_CODES } from "./instance.js";
import type { QueryParams } from "./query-params.js";

type Field = (view: InstanceView) => readonly (string | undefined)[];

/** The DescribeInstances filters the sandbox knows, by what each reads from an instance. */
const FIELDS: Readonly<Record<string, Field>> = {
  "availability-zone": (view) => [view.availabilityZone],
  "image-id": (view) => [view.imageId],
  "instance-id": (view) => [view.instanceId],
  "instance-state-code": (view) => [String(STATE_CODES[view.state])],
  "instance-state-name": (view) => [view.state],
  "instance-type": (view) => [view.instanceType],
  "private-dns-name": (view) => [view.privateDnsName],
  "private-ip-address": (view) => [view.privateIp],
  "reservation-id": (view) => [view.reservationId],
  "subnet-id": (view) => [view.subnetId],
  "tag-key": (view) => view.tags.map((tag) => tag.key),
  "vpc-id": (view) => [view.vpcId],
};

const TAG_PREFIX = "tag:";

/**
 * The instances `Filter.N` keeps: each filter matches when one of its values does (`*` and `?` are
 * wildcards), and an instance must match every filter.
 */
export function parseFilters(filters: readonly QueryParams[]): (view: InstanceView) => boolean {
  const tests = filters.map((filter, index) => {
    const name = filter.string("Name");
    if (name === undefined) throw missing(`Filter.${index + 1}.Name`);
    const values = filter.list("Value");
    if (values.length === 0) throw missing(`Filter.${index + 1}.Value`);
    const field = fieldOf(name);
    const patterns = values.map(wildcard);
    return (view: InstanceView) =>
      field(view).some((actual) => actual !== undefined && patterns.some((pattern) => pattern.test(actual)));
  });
  return (view) => tests.every((test) => test(view));
}

function fieldOf(name: string): Field {
  if (name.startsWith(TAG_PREFIX) && name.length > TAG_PREFIX.length) {
    const key = name.slice(TAG_PREFIX.length);
    return (view) => view.tags.filter((tag) => tag.key === key).map((tag) => tag.value);
  }
  const field = Object.hasOwn(FIELDS, name) ? FIELDS[name] : undefined;
  if (field === undefined) throw new AwsError("InvalidParameterValue", `The filter '${name}' is invalid`);
  return field;
}

function wildcard(value: string): RegExp {
  const source = value.replace(/[.+^${}()|[\]\\*?]/g, (character) =>
    character === "*" ? ".*" : character === "?" ? "." : `\\${character}`,
  );
  return new RegExp(`^${source}$`, "s");
}

function missing(parameter: string): AwsError {
  return new AwsError("MissingParameter", `The request must contain the parameter ${parameter}`);
}
