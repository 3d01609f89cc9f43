// taskSignal() and progress() from the task entry: where they work, and when
// the signal aborts (the call's abort, its timeout, terminate()).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PoolTerminatedError, TimeoutError } from "../mod.ts";
import { progress, taskSignal } from "../task.ts";
import { pools, variant } from "./_pools.ts";
import { sleep, withPool } from "./_helpers.ts";

const extension = new URL(import.meta.url).pathname.endsWith(".ts")
  ? "ts"
  : "js";
const module = new URL(`./testdata/task_tasks.${extension}`, import.meta.url)
  .href;
const taskTasks: typeof import("./testdata/task_tasks.ts") = await import(
  module
);
const { FLAG } = taskTasks;

/**
 * Why the tests that watch a task through shared flags cannot run here: a
 * worker process shares no memory with the test (MULTIPOOL_TEST_ADAPTER=process).
 */
const noFlags = variant === "process"
  ? "its task reports through a SharedArrayBuffer, which a worker process cannot share"
  : undefined;
const skipped = noFlags ? ` (skipped: ${noFlags})` : "";

/** Resolves once `flags[index]` is 1; rejects after `timeout` ms. */
async function flagged(
  flags: SharedArrayBuffer,
  index: number,
  timeout = 15_000,
): Promise<void> {
  const cells = new Int32Array(flags);
  const deadline = Date.now() + timeout;
  while (Atomics.load(cells, index) !== 1) {
    if (Date.now() > deadline) throw new Error(`flag ${index} never set`);
    await sleep(2);
  }
}

describe("task entry outside a task", () => {
  test("taskSignal() and progress() throw TypeError outside a task", () => {
    assert.throws(() => taskSignal(), TypeError);
    assert.throws(() => progress(1), TypeError);
    assert.throws(() => taskSignal(), /outside a task/);
  });
});

for (const Pool of pools) {
  describe(`${Pool.name} taskSignal()`, () => {
    test("taskSignal() is an unaborted AbortSignal in sync and async tasks", async () => {
      await withPool(Pool, { module }, async (pool) => {
        assert.deepEqual(await pool.apply("signalSeen"), [true, true]);
        assert.deepEqual(
          await pool.map(
            "reportSteps",
            [1, 2],
            { onProgress: () => {} },
          ),
          [1, 2],
        );
      });
    });

    test("several async tasks interleaved each keep their own taskSignal() and progress()", async () => {
      await withPool(Pool, { module, processes: 4 }, async (pool) => {
        const seen: unknown[][] = [[], []];
        const [a, b] = await Promise.all([
          pool.map("ownSignal", [0, 1, 2, 3], {
            chunkSize: 1,
            onProgress: (value) => seen[0].push(value),
          }),
          pool.map("ownSignal", [10, 11, 12, 13], {
            chunkSize: 1,
            onProgress: (value) => seen[1].push(value),
          }),
        ]);
        assert.deepEqual(a, [0, 1, 2, 3]);
        assert.deepEqual(b, [10, 11, 12, 13]);
        assert.deepEqual(
          (seen[0] as number[]).sort((x, y) => x - y),
          [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3],
        );
        assert.equal(seen[1].length, 20);
        assert.ok((seen[1] as number[]).every((id) => id >= 10));
      });
    });

    test(
      `aborting a running call aborts its taskSignal() with signal.reason${skipped}`,
      { skip: noFlags ?? false },
      async () => {
        await withPool(Pool, { module }, async (pool) => {
          const flags = new SharedArrayBuffer(8);
          const controller = new AbortController();
          const call = pool.apply("waitForAbort", [flags], {
            signal: controller.signal,
          });
          await flagged(flags, FLAG.STARTED);
          // The task asked for its signal before it flagged its start; let the
          // pool hear of that (Pool gives such a task a grace when aborted).
          await sleep(50);
          const reason = new Error("stop waiting");
          controller.abort(reason);
          await assert.rejects(call, (error) => error === reason);
          await flagged(flags, FLAG.ABORTED);
          // The worker (or slot) is free again.
          assert.equal(await pool.apply("sleepy", [7, 1]), 7);
        });
      },
    );

    test(
      `a never-settling fetch-like task stops when its call times out${skipped}`,
      { skip: noFlags ?? false },
      async () => {
        await withPool(Pool, { module }, async (pool) => {
          const flags = new SharedArrayBuffer(8);
          await assert.rejects(
            pool.apply("waitForAbort", [flags], { timeout: 50 }),
            TimeoutError,
          );
          if (Pool.name === "ThreadPool") {
            // Its own signal stopped it (Pool replaced the worker instead).
            await flagged(flags, FLAG.ABORTED);
          }
          assert.equal(await pool.apply("sleepy", [8, 1]), 8);
        });
      },
    );

    test(
      `terminate() aborts the taskSignal() of running tasks and fails them${skipped}`,
      { skip: noFlags ?? false },
      async () => {
        const pool = new Pool({ processes: 2, module });
        const flags = new SharedArrayBuffer(8);
        const call = pool.apply("waitForAbort", [flags]);
        await flagged(flags, FLAG.STARTED);
        const rejected = assert.rejects(call, PoolTerminatedError);
        await pool.terminate();
        await rejected;
        if (Pool.name === "ThreadPool") {
          await flagged(flags, FLAG.ABORTED);
        }
      },
    );
  });
}

// A ThreadPool task runs on the caller's thread: a synchronous loop there
// blocks the caller itself, so only Pool can stop one.
const WorkerPool = pools.find((Pool) => Pool.name === "Pool")!;
describe("Pool taskSignal() and synchronous code", () => {
  const Pool = WorkerPool;
  test(
    `a synchronous loop in a worker is stopped by aborting its call${skipped}`,
    {
      skip: noFlags ?? false,
    },
    async () => {
      await withPool(Pool, { module, processes: 1 }, async (pool) => {
        const flags = new SharedArrayBuffer(8);
        const controller = new AbortController();
        const call = pool.apply("spinForever", [flags], {
          signal: controller.signal,
        });
        await flagged(flags, FLAG.STARTED);
        controller.abort(new Error("enough"));
        await assert.rejects(call, /enough/);
        // The only worker was replaced: the next task runs.
        assert.equal(await pool.apply("sleepy", [9, 1]), 9);
      });
    },
  );
});
