import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";

/** Runs the CLI from source, as bin/ecsmesh.js runs it from dist/. */
const CLI_ENTRY = fileURLToPath(new URL("../runtime/run-entry.mts", import.meta.url));

/** `ecsmesh ARGS` as a real process, as a user runs it, so that it can be signalled or killed. */
export function spawnCli(args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", CLI_ENTRY, ...args], options);
}

/** Ports the kernel hands out for port 0, all held at once so they differ, then released for the caller. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === "string") throw new Error("no TCP port");
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A port nothing listens on right now (the OS may hand it out again, but not within a test's time). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("no TCP port");
  return port;
}
