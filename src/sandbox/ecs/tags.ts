import type { AwsJsonHandler } from "../aws-json-server.js";
import type { JsonReader } from "../json-reader.js";
import { parseEcsArn } from "./arns.js";
import { invalidParameter, resourceNotFound } from "./errors.js";
import { findTaskDefinition } from "./resolve.js";
import type { EcsState, Tag } from "./state.js";

const MAX_TAGS = 50;
/** Letters, numbers and spaces in any script, and + - = . _ : / @. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Validates a `tags` member like ECS: at most 50, keys 1..128 characters, values up to 256, no `aws:` prefix. */
export function parseTags(input: JsonReader, member = "tags"): Tag[] {
  const tags = (input.objects(member) ?? []).map((tag) => {
    const key = tag.string("key") ?? "";
    const value = tag.string("value") ?? "";
    if (key.length < 1 || key.length > 128)
      throw invalidParameter("Tag keys must be between 1 and 128 characters.");
    if (value.length > 256) throw invalidParameter("Tag values must be at most 256 characters.");
    if (!TAG_TEXT.test(key) || !TAG_TEXT.test(value)) {
      throw invalidParameter("Tags may contain letters, numbers, spaces and + - = . _ : / @ only.");
    }
    if (key.toLowerCase().startsWith("aws:")) throw invalidParameter("Tag keys may not start with aws:.");
    return { key, value };
  });
  if (tags.length > MAX_TAGS) throw invalidParameter(`A resource can have at most ${MAX_TAGS} tags.`);
  return tags;
}

/** Tags after adding or replacing some keys. */
export function mergeTags(current: readonly Tag[], added: readonly Tag[]): Tag[] {
  const merged = new Map(current.map((tag) => [tag.key, tag.value]));
  for (const tag of added) merged.set(tag.key, tag.value);
  if (merged.size > MAX_TAGS) throw invalidParameter(`A resource can have at most ${MAX_TAGS} tags.`);
  return [...merged].map(([key, value]) => ({ key, value }));
}

/** Something that carries tags, found by its ARN. */
interface Taggable {
  tags: Tag[];
}

function resolve(state: EcsState, resourceArn: string, missing: () => Error): Taggable {
  const arn = parseEcsArn(resourceArn);
  if (arn === undefined) throw invalidParameter("Invalid resource ARN.");
  const [clusterName = "", rest = ""] = arn.path.split("/");
  const cluster = state.clusters.get(clusterName);
  const found = (() => {
    switch (arn.type) {
      case "cluster":
        return cluster;
      case "service":
        return cluster?.services.get(rest);
      case "task":
        return cluster?.tasks.get(rest);
      case "container-instance":
        return cluster?.instances.find((instance) => instance.id === rest);
      case "task-definition":
        return findTaskDefinition(state, arn.path);
      default:
        throw invalidParameter(`Tagging is not supported for ${arn.type} resources.`);
    }
  })();
  if (found === undefined) throw missing();
  return found;
}

export function tagOperations(state: EcsState): Record<string, AwsJsonHandler> {
  const resourceArnOf = (input: JsonReader): string => {
    const arn = input.string("resourceArn");
    if (arn === undefined) throw invalidParameter("resourceArn must be specified.");
    return arn;
  };
  return {
    /** TagResource: adds tags, replacing the values of keys already there. */
    TagResource: (input) => {
      const resource = resolve(state, resourceArnOf(input), resourceNotFound);
      if (!input.has("tags")) throw invalidParameter("tags must be specified.");
      resource.tags = mergeTags(resource.tags, parseTags(input));
      return {};
    },
    /** UntagResource: removes the given keys; absent keys are ignored. */
    UntagResource: (input) => {
      const resource = resolve(state, resourceArnOf(input), resourceNotFound);
      const keys = input.strings("tagKeys");
      if (keys === undefined) throw invalidParameter("tagKeys must be specified.");
      resource.tags = resource.tags.filter((tag) => !keys.includes(tag.key));
      return {};
    },
    /** ListTagsForResource: the resource's tags. */
    ListTagsForResource: (input) => {
      const resource = resolve(state, resourceArnOf(input), () =>
        invalidParameter("The specified resource could not be found."),
      );
      return { tags: resource.tags };
    },
  };
}
