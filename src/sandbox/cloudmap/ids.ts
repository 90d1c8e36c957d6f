import { randomInt } from "node:crypto";

/** Random identifiers in the formats Cloud Map uses, e.g. ns-e4anhexample0004. */

const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

const random = (length: number, alphabet: string): string =>
  Array.from({ length }, () => alphabet.charAt(randomInt(alphabet.length))).join("");

export const newNamespaceId = (): string => `ns-${random(16, LOWER)}`;

export const newServiceId = (): string => `srv-${random(16, LOWER)}`;

export const newOperationId = (): string => `${random(32, LOWER)}-${random(8, LOWER)}`;

/** The private hosted zone Route 53 would create for a DNS namespace. */
export const newHostedZoneId = (): string => `Z${random(19, UPPER)}`;
