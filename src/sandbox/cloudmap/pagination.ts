import { pager } from "../pagination.js";
import { invalidInput } from "./errors.js";

/** One page of a List* result: MaxResults (1..100, default 100) items after NextToken. */
export const paginate = pager({ maxResults: "MaxResults", nextToken: "NextToken", invalid: invalidInput });
