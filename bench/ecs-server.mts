// Child process: the local ECS server, steered by its parent over IPC, so that the controller's
// memory is measured without the simulated account's.
import { startEcsServer } from "../src/sandbox/ecs/server.js";

type Command =
  | { type: "faults"; settings: Record<string, unknown> }
  | { type: "calls" }
  | { type: "reset" }
  | { type: "close" };

const server = await startEcsServer({
  clusters: ["bench"],
  faults: { throttling: false },
  // The bench measures the API, not rollouts: tasks start at once.
  timing: { taskStartMs: 0, tickMs: 200 },
});

process.on("message", async (command: Command) => {
  switch (command.type) {
    case "faults":
      server.faults.configure(command.settings);
      process.send?.({ type: "ok" });
      break;
    case "calls":
      process.send?.({ type: "calls", calls: server.calls.snapshot() });
      break;
    case "reset":
      server.calls.reset();
      process.send?.({ type: "ok" });
      break;
    case "close":
      await server.close();
      process.send?.({ type: "ok" });
      process.exit(0);
  }
});
process.send?.({ type: "ready", url: server.url });
