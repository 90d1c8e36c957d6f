/**
 * The selectors each filtering endpoint accepts (the tables in Consul's API docs, for the fields the
 * sandbox models), over the JSON those endpoints answer with.
 */

export type FieldSchema =
  /** ==, !=, in, not in (substring), matches, not matches */
  | { readonly type: "string" }
  /** ==, != */
  | { readonly type: "int" | "bool" }
  /** in, not in, is empty, is not empty */
  | { readonly type: "strings" }
  /** is empty, is not empty, in, not in (key present); `Map.<key>` selects a value */
  | { readonly type: "map"; readonly values: FieldSchema }
  /** only its fields can be selected */
  | { readonly type: "struct"; readonly fields: Fields }
  /** is empty, is not empty; a field selector matches when any element matches */
  | { readonly type: "list"; readonly fields: Fields };

export type Fields = Readonly<Record<string, FieldSchema>>;

const STRING: FieldSchema = { type: "string" };
const INT: FieldSchema = { type: "int" };
const BOOL: FieldSchema = { type: "bool" };
const STRINGS: FieldSchema = { type: "strings" };
const STRING_MAP: FieldSchema = { type: "map", values: STRING };
const WEIGHTS: FieldSchema = { type: "struct", fields: { Passing: INT, Warning: INT } };

/** structs.Node: /catalog/nodes and the Node of /health/service entries. */
const NODE_FIELDS: Fields = {
  ID: STRING,
  Node: STRING,
  Address: STRING,
  Datacenter: STRING,
  TaggedAddresses: STRING_MAP,
  Meta: STRING_MAP,
};

/** structs.NodeService: /agent/services, /catalog/node-services and the Service of /health/service entries. */
const SERVICE_FIELDS: Fields = {
  Kind: STRING,
  ID: STRING,
  Service: STRING,
  Tags: STRINGS,
  Address: STRING,
  Meta: STRING_MAP,
  Port: INT,
  Weights: WEIGHTS,
  EnableTagOverride: BOOL,
};

const CHECK_FIELDS: Fields = {
  Node: STRING,
  CheckID: STRING,
  Name: STRING,
  Status: STRING,
  Notes: STRING,
  Output: STRING,
  ServiceID: STRING,
  ServiceName: STRING,
  ServiceTags: STRINGS,
};

export const NODE_SCHEMA: FieldSchema = { type: "struct", fields: NODE_FIELDS };

/** structs.HealthCheck: /health/node/:node. */
export const HEALTH_CHECK_SCHEMA: FieldSchema = { type: "struct", fields: CHECK_FIELDS };

export const NODE_SERVICE_SCHEMA: FieldSchema = { type: "struct", fields: SERVICE_FIELDS };

/** structs.ServiceNode: /catalog/service/:service, and each instance behind /catalog/services. */
export const SERVICE_NODE_SCHEMA: FieldSchema = {
  type: "struct",
  fields: {
    ID: STRING,
    Node: STRING,
    Address: STRING,
    Datacenter: STRING,
    TaggedAddresses: STRING_MAP,
    NodeMeta: STRING_MAP,
    ServiceKind: STRING,
    ServiceID: STRING,
    ServiceName: STRING,
    ServiceTags: STRINGS,
    ServiceAddress: STRING,
    ServiceMeta: STRING_MAP,
    ServicePort: INT,
    ServiceWeights: WEIGHTS,
    ServiceEnableTagOverride: BOOL,
  },
};

/** structs.CheckServiceNode: /health/service/:service entries. */
export const CHECK_SERVICE_NODE_SCHEMA: FieldSchema = {
  type: "struct",
  fields: {
    Node: NODE_SCHEMA,
    Service: NODE_SERVICE_SCHEMA,
    Checks: { type: "list", fields: CHECK_FIELDS },
  },
};
