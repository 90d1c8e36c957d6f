import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";

/**
 * Starts a fixture before each test (or once before the file's tests) and stops it after, and returns
 * a stand-in that reads through to the running one: a file names its server once, at the top, instead
 * of a `let` and a pair of hooks.
 */
export function fixture<T extends object>(
  scope: "test" | "file",
  start: () => Promise<T>,
  stop: (value: T) => Promise<unknown>,
): T {
  let current: T | undefined;
  const setUp = async () => {
    current = await start();
  };
  const tearDown = async () => {
    const running = current;
    current = undefined;
    if (running !== undefined) await stop(running);
  };
  if (scope === "test") {
    beforeEach(setUp);
    afterEach(tearDown);
  } else {
    beforeAll(setUp);
    afterAll(tearDown);
  }
  return new Proxy({} as T, {
    get(_stand_in, key) {
      if (current === undefined) throw new Error(`fixture read outside its tests (${String(key)})`);
      return Reflect.get(current, key);
    },
  });
}

/** For tests that each start their own (with their own options): stops what a test started, after it. */
export function stoppedAfterEach<A extends unknown[], T>(
  start: (...args: A) => Promise<T>,
  stop: (value: T) => Promise<unknown>,
): (...args: A) => Promise<T> {
  const started: T[] = [];
  afterEach(async () => {
    for (const value of started.splice(0)) await stop(value);
  });
  return async (...args) => {
    const value = await start(...args);
    started.push(value);
    return value;
  };
}
