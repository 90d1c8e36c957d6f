import type { Mesh } from "./mesh.js";
import type { Monitoring } from "./monitoring.js";
import type { Route } from "./route.js";
import type { Service } from "./service.js";
import type { SourceDocument } from "./yaml-source.js";

/** A validated manifest and the document it came from (for positioned messages later). */
export interface Loaded<T> {
  readonly manifest: T;
  readonly source: SourceDocument;
}

/** A loaded, checked manifest set: what every layer above the loader works from. */
export interface ManifestSet {
  readonly mesh: Loaded<Mesh>;
  readonly services: readonly Loaded<Service>[];
  readonly routes: readonly Loaded<Route>[];
  readonly monitoring: Loaded<Monitoring> | undefined;
  /** sha256 over the validated content: changes exactly when the desired state changes. */
  readonly digest: string;
}
