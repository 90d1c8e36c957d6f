import { stringify } from "yaml";
import { loadManifestDir } from "../compile/load.js";
import { compileMesh, type DesiredMesh } from "../compile/mesh.js";
import { formatDiagnostic } from "../specs/diagnostic.js";
import { consulName } from "../specs/resolve.js";
import { type CliIO, EXIT } from "./io.js";
import type { RenderPart } from "./render-parts.js";

export interface RenderOptions {
  readonly dir: string;
  readonly output: "yaml" | "json";
  /** One part of the desired state; all of them when undefined. */
  readonly only: RenderPart | undefined;
}

/** `ecsmesh render DIR`: the compiled desired state, as plan and apply would send it; no API is called. */
export async function renderCommand(options: RenderOptions, io: CliIO): Promise<number> {
  const loaded = await loadManifestDir(options.dir);
  for (const d of loaded.ok ? loaded.warnings : loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  if (!loaded.ok) return EXIT.invalid;
  const parts = renderedParts(compileMesh(loaded.set));
  const document = options.only === undefined ? parts : parts[options.only];
  io.out(
    options.output === "json"
      ? `${JSON.stringify(document, null, 2)}\n`
      : // Never folded: a task definition's script or a PromQL expression stays as it is.
        stringify(document, { lineWidth: 0 }),
  );
  return EXIT.ok;
}

function renderedParts(desired: DesiredMesh): Record<RenderPart, unknown> {
  const files = [...(desired.monitoring?.files ?? [])];
  const grafana = (file: string) => file.startsWith("grafana/");
  return {
    // Cloud Map registry ARNs read "(known after apply)": the Cloud Map step creates them.
    ecs: desired.services.map((service) => service.ecs),
    linkerd: desired.linkerdConfig ?? null,
    dtab: Object.fromEntries(desired.dtabs),
    consul: desired.consulServices.map((service) => ({
      name: consulName(service),
      ecsService: service.metadata.name,
      ...service.spec.discovery.consul,
    })),
    // The delivery-directory files, by path; delivery.ecs carries the same ones in its task definitions.
    prometheus: Object.fromEntries(files.filter(([file]) => !grafana(file))),
    grafana: Object.fromEntries(files.filter(([file]) => grafana(file))),
  };
}
