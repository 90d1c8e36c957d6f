import { AwsError } from "../aws-error.js";
import { parseFilters } from "./filters.js";
import { type Ec2Account, type SimulatedInstance, viewOf } from "./instance.js";
import { reservationXml } from "./instance-xml.js";
import type { QueryAction } from "./query-server.js";
import { itemSet, leaf } from "./xml.js";

/** EC2's page sizes; larger requests get 1000. */
const PAGE = { min: 5, max: 1000 };
/** Short ids from before 2016 and the long ones since. */
const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** DescribeInstances: by id and/or filters, paginated when MaxResults is given, one instance per reservation. */
export function describeInstances(
  instances: () => Iterable<SimulatedInstance>,
  account: Ec2Account,
): QueryAction {
  return {
    parameters: ["InstanceId", "Filter", "MaxResults", "NextToken", "DryRun", "IncludeManagedResources"],
    answer: (params) => {
      const ids = params.list("InstanceId");
      for (const id of ids) {
        if (!INSTANCE_ID.test(id)) throw new AwsError("InvalidInstanceID.Malformed", `Invalid id: "${id}"`);
      }
      const maxResults = params.integer("MaxResults");
      if (ids.length > 0 && maxResults !== undefined) {
        throw new AwsError(
          "InvalidParameterCombination",
          "The parameter instancesSet cannot be used with the parameter maxResults",
        );
      }
      if (maxResults !== undefined && maxResults < PAGE.min) {
        throw new AwsError(
          "InvalidParameterValue",
          `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value greater than ${PAGE.min}.`,
        );
      }
      const matches = parseFilters(params.structs("Filter"));
      const start = offsetOf(params.string("NextToken"));
      if (params.boolean("DryRun") === true) {
        throw new AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
      }

      const views = [...instances()].map((instance) => viewOf(instance, account));
      const wanted = new Set(ids);
      const missing = [...wanted].filter((id) => !views.some((view) => view.instanceId === id));
      if (missing.length > 0) throw notFound(missing);
      const selected = views.filter(
        (view) => (wanted.size === 0 || wanted.has(view.instanceId)) && matches(view),
      );

      const end = maxResults === undefined ? selected.length : start + Math.min(maxResults, PAGE.max);
      const page = selected.slice(start, end);
      return [
        itemSet(
          "reservationSet",
          page.map((view) => reservationXml(view, account.accountId)),
        ),
        leaf("nextToken", end < selected.length ? tokenOf(end) : undefined),
      ].join("");
    },
  };
}

function notFound(ids: readonly string[]): AwsError {
  const message =
    ids.length === 1
      ? `The instance ID '${ids[0]}' does not exist`
      : `The instance IDs '${ids.join(", ")}' do not exist`;
  return new AwsError("InvalidInstanceID.NotFound", message);
}

/** Opaque to callers: where the next page starts. */
function tokenOf(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset?: unknown };
    if (typeof offset === "number" && Number.isSafeInteger(offset) && offset > 0) return offset;
  } catch {
    // Not ours: answered below like any other bad token.
  }
  throw new AwsError("InvalidPaginationToken", `Invalid pagination token: ${token}`);
}
