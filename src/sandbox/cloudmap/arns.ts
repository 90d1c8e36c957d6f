import type { CloudMapState } from "./state.js";

/** Cloud Map ARNs: `arn:aws:servicediscovery:<region>:<account>:namespace/ns-...` and `service/srv-...`. */

export type ResourceType = "namespace" | "service";

export function cloudMapArn(state: CloudMapState, type: ResourceType, id: string): string {
  return `arn:aws:servicediscovery:${state.region}:${state.accountId}:${type}/${id}`;
}

export function parseArn(arn: string): { readonly type: string; readonly id: string } | undefined {
  const match = /^arn:aws[\w-]*:servicediscovery:[\w-]+:\d{12}:(\w+)\/(.+)$/.exec(arn);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { type: match[1], id: match[2] };
}

/** Where the API takes "the ID or ARN": the id either way. */
export const idOf = (identifier: string): string => parseArn(identifier)?.id ?? identifier;
