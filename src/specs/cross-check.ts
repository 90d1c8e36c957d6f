import path from "node:path";
import type { Diagnostic } from "./diagnostic.js";
import type { Kind } from "./kinds.js";
import type { Loaded } from "./manifest-set.js";
import type { Mesh } from "./mesh.js";
import type { Monitoring } from "./monitoring.js";
import {
  COMPONENT_LABEL,
  CONTROLLER_COMPONENT,
  controllerRoles,
  effectiveSettings,
  findPort,
  isControllerService,
  linkerdProxyHost,
} from "./resolve.js";
import type { Route } from "./route.js";
import type { Service } from "./service.js";
import { checkSafely, diagnosticAt, positionOf, type SourceDocument } from "./yaml-source.js";

/** Kind and name of a document, whether or not its spec is valid. */
export interface Identity {
  readonly kind: Kind;
  readonly name: string | undefined;
  readonly source: SourceDocument;
}

export interface Candidates {
  /** Every document YAML could read, valid or not. */
  readonly identities: readonly Identity[];
  /**
   * Documents with YAML errors, as far as their kind and name could be read: their errors are
   * reported already, so a reference to one is not reported as a reference to nothing.
   */
  readonly unreadable: readonly Identity[];
  /** Files refused whole (not UTF-8, a NUL byte, nesting too deep): any kind may be in them. */
  readonly unreadableFiles: readonly string[];
  readonly meshes: readonly Loaded<Mesh>[];
  readonly services: readonly Loaded<Service>[];
  readonly routes: readonly Loaded<Route>[];
  readonly monitorings: readonly Loaded<Monitoring>[];
}

/**
 * Checks that need what the compile step knows, run on the same candidates as the others so their
 * diagnostics come in the same report. `mesh` is the set's first Mesh when it is valid.
 */
export type CompiledChecks = (set: Candidates, mesh: Loaded<Mesh> | undefined) => Diagnostic[];

/**
 * Checks that need more than one document: uniqueness, references, and rules between fields.
 * Names are checked across every document, valid or not; every other check runs only on the
 * documents that passed their schema, and one that needs an invalid document is skipped, since
 * that document's own errors are already reported. A check that throws becomes an error at its
 * document rather than ending the report. `compiledChecks` adds the checks that need compiled
 * facts (generated services, the namespace dtabs), which this layer does not know.
 */
export function crossCheck(set: Candidates, anyFile: string, compiledChecks: CompiledChecks): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  diagnostics.push(
    ...checkSingleton(set.identities, "Mesh"),
    ...checkSingleton(set.identities, "Monitoring"),
  );
  diagnostics.push(...checkUniqueNames(set.identities));
  // Only the set's first Mesh counts: when it is invalid, a valid second one (already an error
  // above) would make the checks against it misleading.
  const firstMesh = set.identities.find((identity) => identity.kind === "Mesh");
  const mesh = set.meshes.find((candidate) => candidate.source === firstMesh?.source);
  const meshUnknown = set.unreadableFiles.length > 0;
  if (!meshUnknown && ![...set.identities, ...set.unreadable].some((identity) => identity.kind === "Mesh")) {
    diagnostics.push({
      severity: "error",
      file: path.dirname(anyFile),
      line: 0,
      column: 0,
      path: "",
      message: "no Mesh manifest: a manifest set needs exactly one kind: Mesh",
    });
  }
  if (mesh) {
    diagnostics.push(...checkSafely(mesh.source, [], () => checkMeshPorts(mesh)));
  }
  for (const service of set.services) {
    diagnostics.push(...checkSafely(service.source, [], () => checkService(service, mesh?.manifest)));
  }
  const controller = set.services.find((service) => isControllerService(service.manifest));
  if (controller) {
    diagnostics.push(
      ...checkSafely(controller.source, [], () => checkControllerRoles(controller, mesh, set.services)),
    );
  }
  for (const monitoring of set.monitorings) {
    diagnostics.push(...checkSafely(monitoring.source, [], () => checkMonitoring(monitoring)));
  }
  diagnostics.push(...compiledChecks(set, mesh));
  return diagnostics;
}

function where(identity: Identity): string {
  const at = positionOf(identity.source, ["metadata", "name"]);
  return `${identity.source.file}:${at.line}`;
}

function checkSingleton(identities: readonly Identity[], kind: Kind): Diagnostic[] {
  const [first, ...rest] = identities.filter((i) => i.kind === kind);
  if (!first) return [];
  return rest.map((extra) =>
    diagnosticAt(
      extra.source,
      ["kind"],
      `a second ${kind}; a manifest set has at most one (the first is at ${where(first)})`,
    ),
  );
}

function checkUniqueNames(identities: readonly Identity[]): Diagnostic[] {
  const seen = new Map<string, Identity>();
  const diagnostics: Diagnostic[] = [];
  for (const identity of identities) {
    if (identity.name === undefined) continue;
    const key = `${identity.kind}/${identity.name}`;
    const first = seen.get(key);
    if (first) {
      diagnostics.push(
        diagnosticAt(
          identity.source,
          ["metadata", "name"],
          `duplicate ${identity.kind} name "${identity.name}" (first defined at ${where(first)})`,
        ),
      );
    } else {
      seen.set(key, identity);
    }
  }
  return diagnostics;
}

function checkMeshPorts({ manifest, source }: Loaded<Mesh>): Diagnostic[] {
  const ports = manifest.spec.linkerd.ports;
  const seen = new Map<number, string>();
  const diagnostics: Diagnostic[] = [];
  for (const [role, port] of Object.entries(ports)) {
    const other = seen.get(port);
    if (other) {
      diagnostics.push(
        diagnosticAt(
          source,
          ["spec", "linkerd", "ports", role],
          `linkerd ${role} port ${port} is also its ${other} port`,
        ),
      );
    }
    seen.set(port, role);
  }
  return diagnostics;
}

/**
 * The controller's task role carries its AWS power and its execution role reads its secrets: a
 * Service naming either, itself or through the Mesh's defaults, would run with them. `iam:PassRole`
 * cannot tell one task definition from another, so this check is what keeps them the controller's.
 */
function checkControllerRoles(
  controller: Loaded<Service>,
  mesh: Loaded<Mesh> | undefined,
  services: readonly Loaded<Service>[],
): Diagnostic[] {
  const name = controller.manifest.metadata.name;
  const diagnostics = services
    .filter((service) => service !== controller && isControllerService(service.manifest))
    .map((impostor) =>
      diagnosticAt(
        impostor.source,
        ["metadata", "labels", COMPONENT_LABEL],
        `a second Service labelled ${COMPONENT_LABEL}: ${CONTROLLER_COMPONENT}; only the controller's own Service carries it (the first is ${name} at ${where({ kind: "Service", name, source: controller.source })})`,
      ),
    );
  if (!mesh) return diagnostics;
  const roles = controllerRoles(controller.manifest, mesh.manifest);
  const defaultRole = mesh.manifest.spec.ecs.defaults.executionRoleArn;
  const defaultKind = defaultRole === undefined ? undefined : roles.get(defaultRole);
  if (defaultKind) {
    diagnostics.push(
      diagnosticAt(
        mesh.source,
        ["spec", "ecs", "defaults", "executionRoleArn"],
        `${defaultRole} is the controller's ${defaultKind} (${name}); as a Mesh default every Service without its own would run with it`,
      ),
    );
  }
  for (const service of services) {
    if (service === controller) continue;
    for (const field of ["taskRoleArn", "executionRoleArn"] as const) {
      const arn = service.manifest.spec[field];
      const kind = arn === undefined ? undefined : roles.get(arn);
      if (kind) {
        diagnostics.push(
          diagnosticAt(
            service.source,
            ["spec", field],
            `${arn} is the controller's ${kind} (${name}); only the controller's own Service may run with it`,
          ),
        );
      }
    }
  }
  return diagnostics;
}

/** Valid Fargate task sizes: CPU units -> allowed memory in MiB. */
const FARGATE_MEMORY: Record<number, (memory: number) => boolean> = {
  256: (m) => [512, 1024, 2048].includes(m),
  512: (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  1024: (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  2048: (m) => m >= 4096 && m <= 16_384 && m % 1024 === 0,
  4096: (m) => m >= 8192 && m <= 30_720 && m % 1024 === 0,
  8192: (m) => m >= 16_384 && m <= 61_440 && m % 4096 === 0,
  16384: (m) => m >= 32_768 && m <= 122_880 && m % 8192 === 0,
};

function checkService(loaded: Loaded<Service>, mesh: Mesh | undefined): Diagnostic[] {
  const { manifest: service, source } = loaded;
  const spec = service.spec;
  const diagnostics: Diagnostic[] = [];
  const error = (fieldPath: (string | number)[], message: string) =>
    diagnostics.push(diagnosticAt(source, ["spec", ...fieldPath], message));

  if (spec.scheduling === "DAEMON" && spec.desiredCount !== undefined) {
    error(["desiredCount"], "a DAEMON service runs one task per instance; remove desiredCount");
  }
  if (spec.scheduling === "DAEMON" && spec.placement?.strategy.length) {
    error(
      ["placement", "strategy"],
      "a DAEMON service runs one task per instance: ECS refuses a placement strategy for it",
    );
  }
  for (const name of Object.keys(spec.secrets)) {
    if (Object.hasOwn(spec.env, name)) error(["secrets", name], `${name} is set both in env and in secrets`);
  }
  if (spec.mesh?.outbound) {
    // The proxy settings the mesh writes into the task's environment (renderTaskDefinition).
    for (const name of ["http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"]) {
      if (Object.hasOwn(spec.env, name)) {
        error(["env", name], `${name} is set by mesh.outbound; remove it from env or turn mesh.outbound off`);
      }
    }
  }
  const consul = spec.discovery.consul;
  if (consul) {
    if (spec.ports.length === 0)
      error(["discovery", "consul"], "Consul discovery needs a container port to register");
    else if (consul.port !== undefined && !findPort(service, consul.port)) {
      error(
        ["discovery", "consul", "port"],
        `no container port ${JSON.stringify(consul.port)} in spec.ports`,
      );
    }
  }
  if (spec.metrics && !findPort(service, spec.metrics.port)) {
    error(["metrics", "port"], `no container port ${JSON.stringify(spec.metrics.port)} in spec.ports`);
  }
  if (mesh) diagnostics.push(...checkServiceInMesh(loaded, mesh));
  diagnostics.push(...checkPorts(loaded, mesh));
  return diagnostics;
}

/** Rules that depend on what the Service inherits from the Mesh (launch type, network, roles). */
function checkServiceInMesh({ manifest: service, source }: Loaded<Service>, mesh: Mesh): Diagnostic[] {
  const spec = service.spec;
  const settings = effectiveSettings(service, mesh);
  const diagnostics: Diagnostic[] = [];
  const error = (fieldPath: (string | number)[], message: string) =>
    diagnostics.push(diagnosticAt(source, ["spec", ...fieldPath], message));

  if (settings.launchType === "FARGATE") {
    if (settings.networkMode !== "awsvpc") error(["networkMode"], "Fargate tasks need networkMode awsvpc");
    if (spec.scheduling === "DAEMON") error(["scheduling"], "Fargate does not run DAEMON services");
    for (const rule of ["constraints", "strategy"] as const) {
      if (spec.placement?.[rule].length) {
        error(["placement", rule], `Fargate places tasks itself: ECS refuses placement ${rule} for it`);
      }
    }
    const memoryFits = spec.cpu === undefined ? undefined : FARGATE_MEMORY[spec.cpu];
    if (!memoryFits) {
      error(["cpu"], "Fargate needs cpu set to one of 256, 512, 1024, 2048, 4096, 8192, 16384");
    } else if (!memoryFits(spec.memory)) {
      error(["memory"], `${spec.memory} MiB is not a valid Fargate memory size for ${spec.cpu} CPU units`);
    }
    if (spec.mesh?.outbound) {
      error(
        ["mesh", "outbound"],
        "Fargate has no node-local linkerd to route through; turn mesh.outbound off",
      );
    }
  }
  if (
    spec.mesh?.outbound &&
    settings.launchType !== "FARGATE" &&
    !linkerdProxyHost(mesh, settings.networkMode)
  ) {
    error(
      ["mesh", "outbound"],
      `under ${settings.networkMode} the node-local linkerd has no fixed address; set the Mesh's linkerd.proxyHost`,
    );
  }
  if (settings.networkMode === "awsvpc" && !settings.network) {
    error(["network"], "awsvpc needs network.subnets here or in the Mesh's ecs.defaults.network");
  }
  if (spec.network && settings.networkMode !== "awsvpc") {
    error(
      ["network"],
      `network is only used with networkMode awsvpc (this service uses ${settings.networkMode})`,
    );
  }
  if (Object.keys(spec.secrets).length > 0 && !settings.executionRoleArn) {
    error(["secrets"], "secrets need an executionRoleArn (here or in the Mesh's ecs.defaults) to be fetched");
  }
  if (spec.discovery.cloudMap && !mesh.spec.cloudMap) {
    error(["discovery", "cloudMap"], "Cloud Map discovery needs a cloudMap namespace in the Mesh");
  }
  return diagnostics;
}

/**
 * Port clashes inside one task, and with the node-local linkerd's host ports. Host-port rules need
 * the network mode, so they wait for a valid Mesh unless the Service sets its own mode.
 */
function checkPorts(loaded: Loaded<Service>, mesh: Mesh | undefined): Diagnostic[] {
  const { manifest, source } = loaded;
  const networkMode = mesh ? effectiveSettings(manifest, mesh).networkMode : manifest.spec.networkMode;
  const diagnostics: Diagnostic[] = [];
  const containerPorts = new Map<string, number>();
  const hostPorts = new Map<string, number>();
  const names = new Map<string, number>();
  const linkerdPorts = new Map(
    Object.entries(mesh?.spec.linkerd.ports ?? {}).map(([role, port]) => [port, role]),
  );
  manifest.spec.ports.forEach((port, i) => {
    const error = (field: string, message: string) =>
      diagnostics.push(diagnosticAt(source, ["spec", "ports", i, field], message));
    const containerKey = `${port.containerPort}/${port.protocol}`;
    const sameContainer = containerPorts.get(containerKey);
    if (sameContainer !== undefined)
      error("containerPort", `${containerKey} is already mapped by ports[${sameContainer}]`);
    containerPorts.set(containerKey, i);
    if (port.name !== undefined) {
      const sameName = names.get(port.name);
      if (sameName !== undefined)
        error("name", `port name "${port.name}" is already used by ports[${sameName}]`);
      names.set(port.name, i);
    }
    if (networkMode === undefined) return;

    if (networkMode === "awsvpc" && port.hostPort !== undefined && port.hostPort !== port.containerPort) {
      error("hostPort", "under awsvpc the hostPort must be absent or equal to containerPort");
    }
    // Under host networking the container port is the host port.
    const hostPort = networkMode === "host" ? port.containerPort : port.hostPort;
    if (hostPort === undefined || hostPort === 0) return;
    const hostKey = `${hostPort}/${port.protocol}`;
    const sameHost = hostPorts.get(hostKey);
    if (sameHost !== undefined)
      error("hostPort", `host port ${hostKey} is already taken by ports[${sameHost}]`);
    hostPorts.set(hostKey, i);
    const linkerdRole = linkerdPorts.get(hostPort);
    if (networkMode !== "awsvpc" && linkerdRole) {
      error(
        networkMode === "host" ? "containerPort" : "hostPort",
        `host port ${hostPort} clashes with the node-local linkerd's ${linkerdRole} port`,
      );
    }
  });
  return diagnostics;
}

const RESERVED_JOBS = new Set(["linkerd", "services", "ecsmesh"]);

function checkMonitoring({ manifest, source }: Loaded<Monitoring>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const jobs = new Set<string>();
  manifest.spec.prometheus.extraJobs.forEach((job, i) => {
    const at = ["spec", "prometheus", "extraJobs", i, "name"];
    if (RESERVED_JOBS.has(job.name)) {
      diagnostics.push(diagnosticAt(source, at, `job name "${job.name}" is reserved for the generated jobs`));
    } else if (jobs.has(job.name)) {
      diagnostics.push(diagnosticAt(source, at, `duplicate job name "${job.name}"`));
    }
    jobs.add(job.name);
  });
  const alerts = new Set<string>();
  manifest.spec.prometheus.alerts.forEach((alert, i) => {
    if (alerts.has(alert.name)) {
      diagnostics.push(
        diagnosticAt(source, ["spec", "prometheus", "alerts", i, "name"], `duplicate alert "${alert.name}"`),
      );
    }
    alerts.add(alert.name);
  });
  return diagnostics;
}
