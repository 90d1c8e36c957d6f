import type { EcsState } from "./state.js";

/** ECS resource ARNs: `arn:aws:ecs:<region>:<account>:<type>/<path>`. */

export type EcsResourceType =
  | "cluster"
  | "service"
  | "task-definition"
  | "task"
  | "container-instance"
  | "container";

export function ecsArn(state: EcsState, type: EcsResourceType, path: string): string {
  return `arn:aws:ecs:${state.region}:${state.accountId}:${type}/${path}`;
}

export interface ParsedArn {
  readonly type: string;
  /** The part after `<type>/`, e.g. `cluster/name` for services and tasks. */
  readonly path: string;
}

export function parseEcsArn(arn: string): ParsedArn | undefined {
  const match = /^arn:aws[\w-]*:ecs:[\w-]+:\d{12}:([\w-]+)\/(.+)$/.exec(arn);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { type: match[1], path: match[2] };
}

/** The short name or id an identifier stands for: itself, or the last part of an ARN. */
export function shortName(identifier: string): string {
  if (!identifier.startsWith("arn:")) return identifier;
  const path = parseEcsArn(identifier)?.path ?? identifier;
  return path.slice(path.lastIndexOf("/") + 1);
}
