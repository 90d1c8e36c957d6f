// Shared by the chaos and crash tests and `npm run bench:chaos`: a mesh of N services in a local git
// repository, every fake server on loopback, `ecsmesh run` as a child process, and the checks that
// say a converge went right (no duplicate, no extra revision, no registration lost or doubled).
import { type ChildProcess, execFile } from "node:child_process";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { ControllerStatus } from "../../src/runtime/status.js";
import type { AwsJsonExchange } from "../../src/sandbox/aws-json-server.js";
import { type CloudMapServer, startCloudMapServer } from "../../src/sandbox/cloudmap/server.js";
import { type ConsulServer, startConsulServer } from "../../src/sandbox/consul/server.js";
import { instancesOf } from "../../src/sandbox/ec2/ecs-instances.js";
import { type Ec2Server, startEc2Server } from "../../src/sandbox/ec2/server.js";
import { type EcsServer, startEcsServer } from "../../src/sandbox/ecs/server.js";
import type { FaultSettings } from "../../src/sandbox/faults.js";
import { type NamerdServer, startNamerdServer } from "../../src/sandbox/namerd/server.js";
import { seededRandom } from "../../src/sandbox/seeded-random.js";
import { freePort, spawnCli } from "../support/processes.js";

export const CLUSTER = "chaos";
/** The mesh's writer lock (src/cli/mesh-store.ts): ecsmesh/locks/<cluster>/<owner>, the owner being the Mesh's name. */
export const LOCK_KEY = `ecsmesh/locks/${CLUSTER}/${CLUSTER}`;
const CONSUL_NODE = `ecsmesh-${CLUSTER}`;
const READ_ONLY = /^(Describe|List)/;

/** An ECS write as the fake answered it, with the writer lock's holder at that moment. */
export interface EcsWrite {
  readonly operation: string;
  readonly at: number;
  /** The access key ID the writer signed with: each controller process gets its own. */
  readonly writer: string | undefined;
  /** The name of the Consul session holding the mesh's lock when ECS carried the write out. */
  readonly lockHolder: string | undefined;
}

export interface MeshSandbox {
  readonly ecs: EcsServer;
  readonly ec2: Ec2Server;
  readonly cloudMap: CloudMapServer;
  readonly consul: ConsulServer;
  readonly namerd: NamerdServer;
  /** What a controller process needs to reach them (its access key ID apart). */
  readonly env: Readonly<Record<string, string>>;
  readonly ecsWrites: readonly EcsWrite[];
  configureFaults(settings: Partial<FaultSettings>): void;
  close(): Promise<void>;
}

/** Every fake the mesh's targets reach, in this process, so their state outlives any controller. */
export async function startMeshSandbox(): Promise<MeshSandbox> {
  const ecsWrites: EcsWrite[] = [];
  let consul: ConsulServer | undefined;
  // Called as the fake answers, before another request can run: the lock holder is the one at that write.
  const onExchange = (exchange: AwsJsonExchange) => {
    if (READ_ONLY.test(exchange.operation) || exchange.statusCode !== 200) return;
    ecsWrites.push({
      operation: exchange.operation,
      at: Date.now(),
      writer: exchange.accessKeyId,
      lockHolder: consul?.lockHolder(LOCK_KEY)?.name,
    });
  };
  const ecs = await startEcsServer({ clusters: [CLUSTER], onExchange });
  const ec2 = await startEc2Server({ instances: instancesOf(ecs.ecs.state) });
  const cloudMap = await startCloudMapServer();
  consul = await startConsulServer();
  const namerd = await startNamerdServer();
  const servers = [ecs, ec2, cloudMap, consul, namerd];
  return {
    ecs,
    ec2,
    cloudMap,
    consul,
    namerd,
    env: {
      AWS_ENDPOINT_URL_ECS: ecs.url,
      AWS_ENDPOINT_URL_EC2: ec2.url,
      AWS_ENDPOINT_URL_SERVICEDISCOVERY: cloudMap.url,
      AWS_SECRET_ACCESS_KEY: "sandbox",
      CONSUL_HTTP_ADDR: consul.url,
      ECSMESH_NAMERD_URL: namerd.url,
      ECSMESH_LOG_LEVEL: "silent",
    },
    ecsWrites,
    configureFaults: (settings) => {
      for (const server of servers) server.faults.configure(settings);
    },
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** Every outcome chaos injects, at the rates issue 12 names, on every API. */
export const CHAOS_FAULTS = {
  throttleRate: 0.2,
  serverErrorRate: 0.05,
  connectionResetRate: 0.01,
} as const satisfies Partial<FaultSettings>;

export interface MeshRepo {
  readonly dir: string;
  /** `main@sha1:<HEAD>`, as /status reports lastAppliedRevision. */
  head(): Promise<string>;
  /** Commits whatever changed in the work tree. */
  commitAll(message: string): Promise<void>;
}

/** A git repository holding a Mesh (ECS, Consul, Cloud Map, namerd) and `count` services. */
export async function meshRepo(dir: string, count: number): Promise<MeshRepo> {
  await mkdir(dir, { recursive: true });
  const mesh = `apiVersion: ecsmesh.io/v1alpha1
kind: Mesh
metadata: { name: ${CLUSTER} }
spec:
  ecs: { cluster: ${CLUSTER}, region: us-east-1 }
  consul: { address: "http://127.0.0.1:8500" }
  cloudMap: { namespace: ${CLUSTER}.local }
  linkerd:
    daemon: { enabled: false }
    namerd: { url: "http://127.0.0.1:4180" }
    baseDtab: |
      /svc => /#/io.l5d.consul/dc1;
`;
  const services = serviceNames(count).map(
    (name) => `apiVersion: ecsmesh.io/v1alpha1
kind: Service
metadata: { name: ${name} }
spec:
  image: example/${name}:1
  memory: 64
  desiredCount: 1
  ports: [{ containerPort: 8080, name: http }]
  discovery: { consul: { tags: [chaos] }, cloudMap: {} }
`,
  );
  await writeFile(path.join(dir, "mesh.yaml"), mesh);
  await writeFile(path.join(dir, "services.yaml"), services.join("---\n"));
  await git(dir, "init", "--quiet", "--initial-branch=main");
  await git(dir, "add", "--all");
  await git(dir, "commit", "--quiet", "--message", `${count} services`);
  return {
    dir,
    head: async () => `main@sha1:${await git(dir, "rev-parse", "HEAD")}`,
    commitAll: async (message) => {
      await git(dir, "commit", "--quiet", "--all", "--message", message);
    },
  };
}

function serviceNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(3, "0")}`);
}

async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("git", [
    "-c",
    "user.name=test",
    "-c",
    "user.email=test@example.invalid",
    "-C",
    dir,
    ...args,
  ]);
  return stdout.trim();
}

export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly identity: string;
  readonly exited: Promise<void>;
  status(): Promise<ControllerStatus>;
  metrics(): Promise<string>;
  /** SIGTERM: finishes the pass under way and releases the lock. */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** `ecsmesh run` as a real process, signing its AWS calls with an access key ID of its own (its identity). */
export async function spawnController(options: {
  readonly sandbox: MeshSandbox;
  readonly repo: string;
  readonly workdir: string;
  readonly identity: string;
}): Promise<ControllerProcess> {
  const port = await freePort();
  const child = spawnCli(
    [
      "run",
      ...["--source", options.repo, "--port", String(port), "--host", "127.0.0.1"],
      ...["--interval", "10s", "--poll", "1s", "--identity", options.identity],
      ...["--workdir", options.workdir],
    ],
    {
      env: { ...process.env, ...options.sandbox.env, AWS_ACCESS_KEY_ID: options.identity },
      stdio: "ignore",
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return {
    child,
    url,
    identity: options.identity,
    exited,
    status: async () => (await (await fetch(`${url}/status`)).json()) as ControllerStatus,
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
  };
}

/** Polls `check` (failures count as "not yet") until it holds or `timeoutMs` passes. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Ready, every resource ready, and the applied revision is HEAD. */
export function converged(status: ControllerStatus, head: string): boolean {
  return (
    status.lastAppliedRevision === head &&
    status.conditions.some((c) => c.type === "Ready" && c.status === "True") &&
    status.resources.length > 0 &&
    status.resources.every((r) => r.ready === "True")
  );
}

/** What the fakes hold after a converge, for exact assertions. */
export function meshState(sandbox: MeshSandbox) {
  const cluster = sandbox.ecs.ecs.state.clusters.get(CLUSTER);
  const services = [...(cluster?.services.values() ?? [])];
  const running = services.flatMap((service) =>
    [...service.tasks].filter((t) => t.lastStatus === "RUNNING" && t.desiredStatus === "RUNNING"),
  );
  const registrations = sandbox.consul.catalog
    .services()
    .filter((s) => s.Node === CONSUL_NODE)
    .map((s) => String(s.ServiceID));
  return {
    // Services are keyed by name in the fake: a duplicate would be a second CreateService answered.
    activeServices: services.filter((s) => s.status === "ACTIVE").length,
    createServiceCalls: sandbox.ecs.calls.get("CreateService").ok,
    registerTaskDefinitionCalls: sandbox.ecs.calls.get("RegisterTaskDefinition").ok,
    runningTasks: running.length,
    consulRegistrations: registrations.length,
    distinctConsulRegistrations: new Set(registrations).size,
    unregisteredTasks: running.filter((t) => !registrations.some((id) => id.endsWith(t.id))).length,
  };
}

/**
 * The state a converge of `services` one-task services must leave: each created and registered once
 * (`revisions` task definitions in all), every task running and registered exactly once in Consul.
 */
export function convergedState(services: number, revisions = services): ReturnType<typeof meshState> {
  return {
    activeServices: services,
    createServiceCalls: services,
    registerTaskDefinitionCalls: revisions,
    runningTasks: services,
    consulRegistrations: services,
    distinctConsulRegistrations: services,
    unregisteredTasks: 0,
  };
}

/** Sums a counter's series by one label, from the Prometheus text format. */
export function sumBy(metrics: string, name: string, label: string): Record<string, number> {
  const sums: Record<string, number> = {};
  const series = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, "gm");
  for (const [, labels = "", value = "0"] of metrics.matchAll(series)) {
    const key = new RegExp(`${label}="([^"]*)"`).exec(labels)?.[1] ?? "";
    sums[key] = (sums[key] ?? 0) + Number(value);
  }
  return sums;
}

/** A fault the fakes injected: a throttle, a reset, or a 5xx (other errors, like a KV miss, are answers). */
const INJECTED_ERROR = /^(5\d\d|ServerException|InternalFailure|InternalError|ServiceUnavailable)$/;

/** One API's attempts as its fake counted them and as the controller's /metrics did. */
export interface ApiCalls {
  readonly fakeAttempts: number;
  readonly fakeFaults: number;
  readonly fakeThrottled: number;
  /** Calls (ecsmesh_api_requests_total) plus retried attempts (ecsmesh_api_retries_total). */
  readonly controllerAttempts: number;
  readonly controllerRetries: number;
  readonly throttledRetries: number;
  /** Calls that ended in an error after their retries (outcome other than ok). */
  readonly controllerFailedCalls: number;
}

function fakeTotals(
  sandbox: MeshSandbox,
): Record<string, { total: number; faults: number; throttled: number }> {
  const fakes = {
    ecs: sandbox.ecs,
    ec2: sandbox.ec2,
    servicediscovery: sandbox.cloudMap,
    consul: sandbox.consul,
    namerd: sandbox.namerd,
  };
  return Object.fromEntries(
    Object.entries(fakes).map(([service, fake]) => {
      const operations = Object.values(fake.calls.snapshot());
      const sum = (of: (calls: (typeof operations)[number]) => number) =>
        operations.reduce((total, calls) => total + of(calls), 0);
      const injectedErrors = (errors: Readonly<Record<string, number>>) =>
        Object.entries(errors).reduce((total, [code, n]) => total + (INJECTED_ERROR.test(code) ? n : 0), 0);
      return [
        service,
        {
          total: sum((c) => c.total),
          throttled: sum((c) => c.throttled),
          faults: sum((c) => c.throttled + c.connectionResets + injectedErrors(c.errors)),
        },
      ];
    }),
  );
}

/**
 * The fakes' counts beside the controller's /metrics, read once both stand still (between passes
 * the lock's renewals still call Consul now and then): a call in flight would be on one side only.
 */
export async function apiCalls(
  sandbox: MeshSandbox,
  controller: ControllerProcess,
): Promise<Record<string, ApiCalls>> {
  const apiSeries = /^ecsmesh_api_(requests|retries)_total\{/;
  const read = async () => ({
    fakes: fakeTotals(sandbox),
    metrics: (await controller.metrics())
      .split("\n")
      .filter((line) => apiSeries.test(line))
      .join("\n"),
  });
  const snapshot = await until(
    "the fakes and /metrics to stand still",
    async () => {
      const first = await read();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const second = await read();
      return JSON.stringify(first) === JSON.stringify(second) ? second : undefined;
    },
    30_000,
    0,
  );
  const calls = sumBy(snapshot.metrics, "ecsmesh_api_requests_total", "service");
  const retries = sumBy(snapshot.metrics, "ecsmesh_api_retries_total", "service");
  const failedCalls = sumBy(
    snapshot.metrics
      .split("\n")
      .filter((line) => !line.includes('outcome="ok"'))
      .join("\n"),
    "ecsmesh_api_requests_total",
    "service",
  );
  const throttled = sumBy(
    snapshot.metrics
      .split("\n")
      .filter((line) => line.includes('reason="throttled"'))
      .join("\n"),
    "ecsmesh_api_retries_total",
    "service",
  );
  return Object.fromEntries(
    Object.entries(snapshot.fakes).map(([service, fake]) => [
      service,
      {
        fakeAttempts: fake.total,
        fakeFaults: fake.faults,
        fakeThrottled: fake.throttled,
        controllerAttempts: (calls[service] ?? 0) + (retries[service] ?? 0),
        controllerRetries: retries[service] ?? 0,
        throttledRetries: throttled[service] ?? 0,
        controllerFailedCalls: failedCalls[service] ?? 0,
      },
    ]),
  );
}

/** Writes to the targets the mesh manages (Consul's are mostly the lock's renewals, so left out). */
function targetWrites(sandbox: MeshSandbox): number {
  return sandbox.ecs.calls.writes() + sandbox.cloudMap.calls.writes() + sandbox.namerd.calls.writes();
}

export interface ChaosReport {
  readonly convergeMs: number;
  readonly state: ReturnType<typeof meshState>;
  /** Writes of the pass after a commit that changes nothing the mesh holds: should be none. */
  readonly steadyStateWrites: number;
  readonly byService: Record<string, ApiCalls>;
}

/**
 * A full converge of `services` services under CHAOS_FAULTS by `ecsmesh run` as a process, then a
 * steady-state pass, then the fakes' counts beside the controller's /metrics.
 */
export async function chaosRun(options: {
  readonly sandbox: MeshSandbox;
  readonly root: string;
  readonly services: number;
  readonly seed: number;
  readonly timeoutMs: number;
}): Promise<ChaosReport> {
  const { sandbox, services } = options;
  sandbox.configureFaults({ ...CHAOS_FAULTS, seed: options.seed });
  const repo = await meshRepo(path.join(options.root, "repo"), services);
  const started = performance.now();
  const controller = await spawnController({
    sandbox,
    repo: repo.dir,
    workdir: path.join(options.root, "work"),
    identity: "chaos-controller",
  });
  try {
    const settled = async (head: string) => {
      const state = meshState(sandbox);
      return (
        converged(await controller.status(), head) &&
        state.unregisteredTasks === 0 &&
        state.runningTasks === services
      );
    };
    const head = await repo.head();
    await until("the converge", () => settled(head), options.timeoutMs);
    const convergeMs = performance.now() - started;
    const writesBefore = targetWrites(sandbox);
    await appendFile(path.join(repo.dir, "mesh.yaml"), "# steady state\n");
    await repo.commitAll("a comment");
    const steadyHead = await repo.head();
    await until("the steady-state pass", () => settled(steadyHead), options.timeoutMs);
    const steadyStateWrites = targetWrites(sandbox) - writesBefore;
    return {
      convergeMs,
      state: meshState(sandbox),
      steadyStateWrites,
      byService: await apiCalls(sandbox, controller),
    };
  } finally {
    await controller.kill();
  }
}

/** Stands for a dead writer's session expiring: what Consul does at 2 x TTL, lock-delay included. */
export async function expireLockSession(sandbox: MeshSandbox): Promise<void> {
  const holder = sandbox.consul.lockHolder(LOCK_KEY);
  if (holder === undefined) return;
  const response = await fetch(`${sandbox.consul.url}/v1/session/destroy/${holder.session}`, {
    method: "PUT",
  });
  if (!response.ok) throw new Error(`could not expire session ${holder.session}: ${response.status}`);
}

/** ECS writes made without holding the mesh's lock: each must come from the session holding it then. */
export function writesOutsideTheLock(sandbox: MeshSandbox): EcsWrite[] {
  return sandbox.ecsWrites.filter((write) => write.lockHolder !== `ecsmesh leader ${write.writer}`);
}

export interface CrashReport {
  /** ECS writes answered when each kill came. */
  readonly killedAfterWrites: readonly number[];
  /** Per kill: milliseconds from the kill to the restarted process holding the lock. */
  readonly recoveryMs: readonly number[];
  readonly convergeMs: number;
  readonly state: ReturnType<typeof meshState>;
}

/**
 * Converges `services` services with `ecsmesh run` killed (SIGKILL) `kills` times at seeded
 * random points (counted in ECS writes answered) and restarted each time. With `expireSessions`
 * the dead process's session is destroyed at once, standing for its expiry 2 x TTL later, so a
 * bounded test needs only the lock-delay; without, the restart waits out the real expiry.
 */
export async function crashRun(options: {
  readonly sandbox: MeshSandbox;
  readonly repo: MeshRepo;
  readonly root: string;
  readonly services: number;
  readonly kills: number;
  readonly seed: number;
  readonly expireSessions: boolean;
  readonly timeoutMs: number;
}): Promise<CrashReport> {
  const { sandbox, services } = options;
  const random = seededRandom(options.seed);
  const writesAtStart = sandbox.ecsWrites.length;
  // A full converge writes a task definition and a service per service (and their tags).
  const killPoints = Array.from(
    { length: options.kills },
    () => 1 + Math.floor(random() * 2 * services),
  ).sort((a, b) => a - b);
  const started = performance.now();
  const killedAfterWrites: number[] = [];
  const recoveryMs: number[] = [];
  let generation = 0;
  const spawnNext = () =>
    spawnController({
      sandbox,
      repo: options.repo.dir,
      workdir: path.join(options.root, `work-${generation}`),
      identity: `crash-${++generation}`,
    });
  let controller = await spawnNext();
  try {
    for (const point of killPoints) {
      const written = () => sandbox.ecsWrites.length - writesAtStart;
      // A point past the end of the converge (or already passed by a restart) kills at once.
      await until("the kill point", async () => written() >= point || undefined, options.timeoutMs, 5);
      await controller.kill();
      const killedAt = Date.now();
      killedAfterWrites.push(written());
      if (options.expireSessions) await expireLockSession(sandbox);
      controller = await spawnNext();
      const lockName = `ecsmesh leader ${controller.identity}`;
      await until(
        `${controller.identity} to take the lock`,
        async () => sandbox.consul.lockHolder(LOCK_KEY)?.name === lockName,
        options.timeoutMs,
        20,
      );
      recoveryMs.push(Date.now() - killedAt);
    }
    const head = await options.repo.head();
    const current = controller;
    await until(
      "the converge",
      async () => converged(await current.status(), head) && meshState(sandbox).unregisteredTasks === 0,
      options.timeoutMs,
    );
    const convergeMs = performance.now() - started;
    await current.stop(); // Done: the lock is released for whoever writes next.
    return { killedAfterWrites, recoveryMs, convergeMs, state: meshState(sandbox) };
  } finally {
    await controller.kill();
  }
}

export interface FailoverReport {
  /** Milliseconds from the leader's kill to the follower holding the lock, and to its first ECS write. */
  readonly lockTakenMs: number;
  readonly firstWriteMs: number;
  readonly state: ReturnType<typeof meshState>;
}

/**
 * Two replicas on a converged mesh; a commit changes every service's image; the leader is killed
 * (SIGKILL) halfway through the rollout and its session left to expire for real.
 */
export async function failoverRun(options: {
  readonly sandbox: MeshSandbox;
  readonly repo: MeshRepo;
  readonly root: string;
  readonly services: number;
  readonly timeoutMs: number;
}): Promise<FailoverReport> {
  const { sandbox, repo, services } = options;
  const replica = (identity: string) =>
    spawnController({ sandbox, repo: repo.dir, workdir: path.join(options.root, identity), identity });
  // The follower starts once the leader holds the lock, so which is which is known.
  const leader = await replica("replica-a");
  await until(
    "replica-a to lead",
    async () => sandbox.consul.lockHolder(LOCK_KEY)?.name === "ecsmesh leader replica-a",
    options.timeoutMs,
  ).catch(async (error) => {
    await leader.kill();
    throw error;
  });
  const follower = await replica("replica-b");
  try {
    await until(
      "replica-b to follow",
      async () => (await follower.status()).lastPass !== undefined,
      options.timeoutMs,
    );
    const file = path.join(repo.dir, "services.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replaceAll(":1\n", ":2\n"));
    await repo.commitAll("image 2");
    const writesBefore = sandbox.ecsWrites.length;
    await until(
      "the rollout to be halfway",
      async () => sandbox.ecsWrites.length - writesBefore >= services,
      options.timeoutMs,
      5,
    );
    await leader.kill();
    const killedAt = Date.now();
    await until(
      "replica-b to take the lock",
      async () => sandbox.consul.lockHolder(LOCK_KEY)?.name === "ecsmesh leader replica-b",
      options.timeoutMs,
      50,
    );
    const lockTakenMs = Date.now() - killedAt;
    const firstWrite = await until(
      "replica-b's first write",
      async () => sandbox.ecsWrites.find((w) => w.writer === "replica-b"),
      options.timeoutMs,
      20,
    );
    const head = await repo.head();
    await until(
      "the converge",
      async () => converged(await follower.status(), head) && meshState(sandbox).unregisteredTasks === 0,
      options.timeoutMs,
    );
    return { lockTakenMs, firstWriteMs: firstWrite.at - killedAt, state: meshState(sandbox) };
  } finally {
    await Promise.all([leader.kill(), follower.kill()]);
  }
}
