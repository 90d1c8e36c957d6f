import type { AwsJsonHandler } from "../aws-json-server.js";
import type { JsonReader } from "../json-reader.js";
import { parseArn } from "./arns.js";
import { invalidInput, resourceNotFound, tooManyTags } from "./errors.js";
import { requiredString } from "./members.js";
import { QUOTAS } from "./quotas.js";
import { findNamespace } from "./resolve.js";
import type { CloudMapState, Tag } from "./state.js";

/** Reads a `Tags` member: keys 1..128 characters, values up to 256, no `aws:` prefix, at most 50 tags. */
export function parseTags(input: JsonReader, resource: string): Tag[] {
  const tags = (input.objects("Tags") ?? []).map((tag) => {
    const Key = tag.string("Key") ?? "";
    const Value = tag.string("Value") ?? "";
    if (Key.length < 1 || Key.length > 128) throw invalidInput("Tag keys must be 1 to 128 characters.");
    if (Value.length > 256) throw invalidInput("Tag values must be at most 256 characters.");
    if (Key.toLowerCase().startsWith("aws:")) throw invalidInput("Tag keys may not start with aws:.");
    return { Key, Value };
  });
  if (tags.length > QUOTAS.tagsPerResource) throw tooManyTags(resource);
  return tags;
}

/** Something that carries tags. */
interface Taggable {
  tags: Tag[];
}

function resolve(state: CloudMapState, arn: string): Taggable {
  const parsed = parseArn(arn);
  const found =
    parsed?.type === "namespace"
      ? findNamespace(state, parsed.id)
      : parsed?.type === "service"
        ? state.services.get(parsed.id)
        : undefined;
  if (found === undefined) throw resourceNotFound(arn);
  return found;
}

export function tagOperations(state: CloudMapState): Record<string, AwsJsonHandler> {
  return {
    /** TagResource: adds tags, replacing the values of keys already there. */
    TagResource: (input) => {
      const arn = requiredString(input, "ResourceARN");
      const resource = resolve(state, arn);
      const merged = new Map(resource.tags.map((tag) => [tag.Key, tag.Value]));
      for (const tag of parseTags(input, arn)) merged.set(tag.Key, tag.Value);
      if (merged.size > QUOTAS.tagsPerResource) throw tooManyTags(arn);
      resource.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
      return {};
    },
    /** UntagResource: removes the given keys; absent keys are ignored. */
    UntagResource: (input) => {
      const resource = resolve(state, requiredString(input, "ResourceARN"));
      const keys = input.strings("TagKeys");
      if (keys === undefined) throw invalidInput("TagKeys is required.");
      resource.tags = resource.tags.filter((tag) => !keys.includes(tag.Key));
      return {};
    },
    ListTagsForResource: (input) => ({ Tags: resolve(state, requiredString(input, "ResourceARN")).tags }),
  };
}
