import type { AwsJsonHandler } from "../aws-json-server.js";
import { operationNotFound } from "./errors.js";
import { matchesAll, parseFilters } from "./filters.js";
import { requiredString } from "./members.js";
import { paginate } from "./pagination.js";
import type { CloudMapState, OperationRecord } from "./state.js";

const FILTER_VALUE: Readonly<Record<string, (operation: OperationRecord) => string>> = {
  NAMESPACE_ID: (operation) => operation.targets.NAMESPACE ?? "",
  SERVICE_ID: (operation) => operation.targets.SERVICE ?? "",
  STATUS: (operation) => operation.status,
  TYPE: (operation) => operation.type,
  UPDATE_DATE: (operation) => String(operation.updatedAt.getTime() / 1000),
};

export function operationOperations(state: CloudMapState): Record<string, AwsJsonHandler> {
  return {
    GetOperation: (input) => {
      const id = requiredString(input, "OperationId");
      const operation = state.operations.get(id);
      if (operation === undefined) throw operationNotFound(id);
      return {
        Operation: {
          Id: operation.id,
          OwnerAccount: state.accountId,
          Type: operation.type,
          Status: operation.status,
          ...(operation.failure === undefined
            ? {}
            : { ErrorMessage: operation.failure.message, ErrorCode: operation.failure.code }),
          CreateDate: operation.createdAt,
          UpdateDate: operation.updatedAt,
          Targets: operation.targets,
        },
      };
    },

    /** Like Cloud Map, takes a page of MaxResults operations and then filters it. */
    ListOperations: (input) => {
      const filters = parseFilters(input, {
        NAMESPACE_ID: ["EQ"],
        SERVICE_ID: ["EQ"],
        STATUS: ["EQ", "IN"],
        TYPE: ["EQ", "IN"],
        UPDATE_DATE: ["BETWEEN"],
      });
      const page = paginate([...state.operations.values()], input);
      return {
        Operations: page.items
          .filter((operation) => matchesAll(filters, (name) => FILTER_VALUE[name]?.(operation) ?? ""))
          .map((operation) => ({ Id: operation.id, Status: operation.status })),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      };
    },
  };
}
