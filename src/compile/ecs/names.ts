import type { Mesh } from "../../specs/mesh.js";
import { ownerId } from "../../specs/resolve.js";
import type { Service } from "../../specs/service.js";

/** Tag keys that mark what this controller created. */
export const OWNER_TAG = "ecsmesh:owner";
export const MESH_TAG = "ecsmesh:mesh";

/** Task-definition families are account-wide, so they carry the mesh name to stay apart. */
export function familyOf(mesh: Mesh, service: Service): string {
  return `${mesh.metadata.name}-${service.metadata.name}`;
}

export function ownerTags(mesh: Mesh): { key: string; value: string }[] {
  return [
    { key: OWNER_TAG, value: ownerId(mesh) },
    { key: MESH_TAG, value: mesh.metadata.name },
  ];
}

export function hasOwnerTag(
  tags: readonly { key?: string | undefined; value?: string | undefined }[] | undefined,
  owner: string,
): boolean {
  return (tags ?? []).some((tag) => tag.key === OWNER_TAG && tag.value === owner);
}
