// The public surface is what ../shared/API.md names: no internals from mod.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as mp from "../mod.ts";

test("mod.ts exports exactly the pools, AsyncResult and the errors at runtime", () => {
  assert.deepEqual(Object.keys(mp).sort(), [
    "AsyncResult",
    "BrokenPoolError",
    "Pool",
    "PoolClosedError",
    "PoolTerminatedError",
    "ThreadPool",
    "TimeoutError",
    "WorkerCrashedError",
  ]);
});

test("the pools share one base class that mod.ts does not export", () => {
  const Base = Object.getPrototypeOf(mp.ThreadPool) as new (
    ...args: unknown[]
  ) => unknown;
  assert.equal(Object.getPrototypeOf(mp.Pool), Base);
  assert.equal("PoolBase" in mp, false);
});
