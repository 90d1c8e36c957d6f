/** Pure dtab engine: Finagle dtab syntax, delegation as namerd explains it, and traffic shares. */

export { appendDtab, type DelegateOptions, delegate, matchesPrefix } from "./delegate.js";
export { finalDestinations, firstException } from "./destinations.js";
export { DtabIndex } from "./lookup.js";
export {
  type LocatedDentry,
  type ParseError,
  type ParseResult,
  parseDtab,
  parseLocatedDtab,
  parseNameTree,
  parsePath,
  parsePrefix,
} from "./parse.js";
export {
  formatWeight,
  type PrintDtabOptions,
  printDentry,
  printDtab,
  printNameTree,
  printPath,
  printPrefix,
} from "./print.js";
export type {
  DelegateTree,
  Dentry,
  Destination,
  Destinations,
  Dtab,
  NameTree,
  Path,
  Prefix,
  PrefixSegment,
  Weighted,
  WeightedDelegateTree,
  Wildcard,
} from "./types.js";
export { WILDCARD } from "./types.js";
