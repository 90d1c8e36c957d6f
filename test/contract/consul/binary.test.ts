import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";
import { consulBinary, MISSING_BINARY } from "./consul-agent.js";

/** CI must run the contract suite; elsewhere it is optional, and its absence is said once, here. */
const required = process.env.CI === "true";
if (!consulBinary && !required) console.warn(`Consul contract suite skipped: ${MISSING_BINARY}`);

it.runIf(consulBinary !== undefined || required)(
  "has a consul binary to run the contract suite against",
  () => {
    if (!consulBinary) throw new Error(`${MISSING_BINARY}; CI=true requires the Consul contract suite`);
    expect(execFileSync(consulBinary, ["version"]).toString()).toMatch(/^Consul v\d+\.\d+\.\d+/);
  },
);
