import type { AwsJsonHandler } from "../aws-json-server.js";
import { canonicalJson } from "../json.js";
import type { JsonReader } from "../json-reader.js";
import { cloudMapArn } from "./arns.js";
import {
  duplicateRequest,
  invalidInput,
  namespaceAlreadyExists,
  resourceInUse,
  resourceLimitExceeded,
} from "./errors.js";
import { type Filter, matchesAll, parseFilters } from "./filters.js";
import { newHostedZoneId, newNamespaceId } from "./ids.js";
import { integerIn, optionalString, requiredString } from "./members.js";
import type { OperationRunner } from "./operation-runner.js";
import { paginate } from "./pagination.js";
import { QUOTAS } from "./quotas.js";
import { resolveNamespace, visibleNamespaces } from "./resolve.js";
import type { CloudMapState, NamespaceRecord, NamespaceType } from "./state.js";
import { isRetryOf } from "./state.js";
import { parseTags } from "./tags.js";

/** Route 53's default SOA TTL for the private hosted zone of a DNS namespace. */
const DEFAULT_SOA_TTL = 15;

const NAME_PATTERNS: Readonly<Record<NamespaceType, RegExp>> = {
  HTTP: /^(?!arn:)[!-~]{1,1024}$/,
  DNS_PRIVATE: /^(?!arn:)[!-~]{1,253}$/,
};

export function namespaceOperations(
  state: CloudMapState,
  runner: OperationRunner,
): Record<string, AwsJsonHandler> {
  return {
    CreateHttpNamespace: (input) => createNamespace(state, runner, input, "HTTP"),
    CreatePrivateDnsNamespace: (input) => createNamespace(state, runner, input, "DNS_PRIVATE"),

    GetNamespace: (input) => ({
      Namespace: namespaceView(state, resolveNamespace(state, input, "Id"), true),
    }),

    /** Like Cloud Map, takes a page of MaxResults namespaces and then filters it, so a page can come back empty. */
    ListNamespaces: (input) => {
      const filters = parseFilters(input, {
        TYPE: ["EQ", "IN", "BEGINS_WITH"],
        NAME: ["EQ", "BEGINS_WITH"],
        HTTP_NAME: ["EQ", "BEGINS_WITH"],
        RESOURCE_OWNER: ["EQ"],
      });
      const page = paginate(visibleNamespaces(state), input);
      return {
        Namespaces: page.items
          .filter((namespace) => matchesNamespace(filters, namespace))
          .map((namespace) => namespaceView(state, namespace, false)),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      };
    },

    /** DeleteNamespace: refused while the namespace has services; the namespace goes at SUCCESS. */
    DeleteNamespace: (input) => {
      const namespace = resolveNamespace(state, input, "Id");
      if (namespace.deletion !== undefined) throw duplicateRequest(namespace.deletion);
      if (namespace.services.size > 0) {
        throw resourceInUse(`Namespace ${namespace.id} still has ${namespace.services.size} service(s).`);
      }
      const operation = runner.open("DELETE_NAMESPACE", { NAMESPACE: namespace.id });
      namespace.status = "DELETING";
      namespace.deletion = operation;
      runner.run(operation, {
        apply: () => state.namespaces.delete(namespace.id),
        // Matters only when the deletion failed: a deleted namespace is no longer in the state.
        settle: () => {
          namespace.status = "ACTIVE";
          namespace.deletion = undefined;
        },
      });
      return { OperationId: operation.id };
    },
  };
}

/**
 * Create*Namespace: the namespace exists from SUCCESS on. Names are unique in the account (AWS
 * allows private DNS namespaces of one name in different VPCs). A name already taken gives the
 * original operation to the same request retried (same CreatorRequestId and input),
 * DuplicateRequest while the namespace is still being created, and NamespaceAlreadyExists after.
 */
function createNamespace(
  state: CloudMapState,
  runner: OperationRunner,
  input: JsonReader,
  type: NamespaceType,
): { OperationId: string } {
  const name = requiredString(input, "Name", { pattern: NAME_PATTERNS[type] });
  const creatorRequestId = optionalString(input, "CreatorRequestId", { max: 64 });
  const description = optionalString(input, "Description", { max: 1024 });
  const dns = type === "DNS_PRIVATE" ? dnsSettings(input) : undefined;
  const digest = canonicalJson(input.value);
  const taken = [...state.namespaces.values()].find((namespace) => namespace.name === name);
  if (taken !== undefined) {
    const { creation } = taken;
    if (isRetryOf(creation, creatorRequestId, digest)) {
      return { OperationId: creation.operation.id };
    }
    throw taken.status === "CREATING" ? duplicateRequest(creation.operation) : namespaceAlreadyExists(taken);
  }
  if (state.namespaces.size >= QUOTAS.namespaces) {
    throw resourceLimitExceeded(`An account can have at most ${QUOTAS.namespaces} namespaces per Region.`);
  }
  const id = newNamespaceId();
  const arn = cloudMapArn(state, "namespace", id);
  const tags = parseTags(input, arn);
  const operation = runner.open("CREATE_NAMESPACE", { NAMESPACE: id });
  const namespace: NamespaceRecord = {
    id,
    arn,
    name,
    type,
    description,
    dns,
    createdAt: operation.createdAt,
    creation: { creatorRequestId, digest, operation },
    status: "CREATING",
    deletion: undefined,
    services: new Set(),
    tags,
  };
  state.namespaces.set(id, namespace);
  runner.run(operation, {
    apply: () => {
      namespace.status = "ACTIVE";
    },
    settle: () => {
      if (namespace.status === "CREATING") state.namespaces.delete(id);
    },
  });
  return { OperationId: operation.id };
}

function dnsSettings(input: JsonReader): NamespaceRecord["dns"] {
  const vpc = requiredString(input, "Vpc", { max: 64 });
  const soa = input.object("Properties")?.object("DnsProperties")?.object("SOA");
  const soaTtl = soa === undefined ? DEFAULT_SOA_TTL : integerIn(soa, "TTL", 0, 2147483647);
  if (soaTtl === undefined) throw invalidInput("Properties.DnsProperties.SOA.TTL is required.");
  return { vpc, hostedZoneId: newHostedZoneId(), soaTtl };
}

function matchesNamespace(filters: readonly Filter[], namespace: NamespaceRecord): boolean {
  return matchesAll(filters, (name) =>
    name === "TYPE" ? namespace.type : name === "RESOURCE_OWNER" ? "SELF" : namespace.name,
  );
}

/** A namespace as GetNamespace shows it; ListNamespaces leaves out CreatorRequestId. */
function namespaceView(
  state: CloudMapState,
  namespace: NamespaceRecord,
  full: boolean,
): Record<string, unknown> {
  const { dns } = namespace;
  return {
    Id: namespace.id,
    Arn: namespace.arn,
    ResourceOwner: state.accountId,
    Name: namespace.name,
    Type: namespace.type,
    ...(namespace.description === undefined ? {} : { Description: namespace.description }),
    ServiceCount: namespace.services.size,
    Properties: {
      DnsProperties: dns === undefined ? {} : { HostedZoneId: dns.hostedZoneId, SOA: { TTL: dns.soaTtl } },
      HttpProperties: { HttpName: namespace.name },
    },
    CreateDate: namespace.createdAt,
    ...(full && namespace.creation.creatorRequestId !== undefined
      ? { CreatorRequestId: namespace.creation.creatorRequestId }
      : {}),
  };
}
