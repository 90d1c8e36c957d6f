import { pager } from "../pagination.js";
import { invalidParameter } from "./errors.js";

/** One page of a List* result: `maxResults` (1..max, default `defaultMax`) items after `nextToken`. */
export const paginate = pager({
  maxResults: "maxResults",
  nextToken: "nextToken",
  invalid: invalidParameter,
});
