// The timeout call option: ms a task may run once started; past it the task
// fails with TimeoutError (Pool replaces the worker, ThreadPool aborts the
// task's taskSignal()). Any non-negative number, Infinity included.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { pools } from "./_pools.ts";
import { collect, withPool } from "./_helpers.ts";

const extension = new URL(import.meta.url).pathname.endsWith(".ts")
  ? "ts"
  : "js";
const module = new URL(`./testdata/task_tasks.${extension}`, import.meta.url)
  .href;

for (const Pool of pools) {
  describe(`${Pool.name} timeout`, () => {
    test("a task past its timeout fails with TimeoutError; the pool goes on", async () => {
      await withPool(Pool, { module }, async (pool) => {
        await assert.rejects(
          pool.apply("waitForAbort", [], { timeout: 30 }),
          (error) =>
            error instanceof TimeoutError && /30 ms/.test(error.message),
        );
        assert.equal(await pool.apply("sleepy", [1, 1]), 1);
      });
    });

    test("tasks that end within their timeout are not affected", async () => {
      await withPool(Pool, { module }, async (pool) => {
        assert.deepEqual(
          await pool.starmap("sleepy", [[1, 5], [2, 5], [3, 5]], {
            timeout: 10_000,
          }),
          [1, 2, 3],
        );
        assert.deepEqual(
          await collect(pool.imap("reportSteps", [1, 2], { timeout: 10_000 })),
          [1, 2],
        );
      });
    });

    test("the timeout counts from when the task starts, not from the call", async () => {
      await withPool(Pool, { module, processes: 1 }, async (pool) => {
        // The first task holds the only worker for 600 ms; the second waits
        // behind it, then runs 5 ms under a 400 ms timeout.
        const first = pool.apply("sleepy", ["first", 600]);
        const second = pool.apply("sleepy", ["second", 5], { timeout: 400 });
        assert.deepEqual(await Promise.all([first, second]), [
          "first",
          "second",
        ]);
      });
    });

    test("an imap item past its timeout fails alone; the others are yielded", async () => {
      await withPool(Pool, { module }, async (pool) => {
        const iterator = pool.imap(
          "sleepyOrHang",
          [1, -1, 2],
          { timeout: 200 },
        );
        assert.deepEqual(await iterator.next(), { done: false, value: 1 });
        await assert.rejects(iterator.next(), TimeoutError);
        assert.deepEqual(await iterator.next(), { done: false, value: 2 });
        assert.deepEqual(await iterator.next(), {
          done: true,
          value: undefined,
        });
        await iterator.return();
      });
    });

    test("timeout takes Infinity and delays past 2^31 ms without firing early", async () => {
      await withPool(Pool, { module }, async (pool) => {
        for (const timeout of [Infinity, 2 ** 31, 2 ** 40]) {
          assert.equal(
            await pool.apply("sleepy", [timeout, 20], { timeout }),
            timeout,
          );
        }
      });
    });

    test("timeout must be a non-negative number of milliseconds", async () => {
      await withPool(Pool, { module }, (pool) => {
        assert.throws(
          () => pool.apply("sleepy", [1, 1], { timeout: -1 }),
          {
            name: "RangeError",
            message:
              "Cannot apply the task as 'timeout' must be a non-negative number of milliseconds: current value is -1",
          },
        );
        assert.throws(
          () => pool.map("sleepy", [1], { timeout: NaN }),
          RangeError,
        );
        assert.throws(
          () => pool.imap("sleepy", [1], { timeout: "5" as never }),
          TypeError,
        );
      });
    });
  });
}

const WorkerPool = pools.find((Pool) => Pool.name === "Pool")!;
describe("Pool timeout and synchronous code", () => {
  test("a synchronous loop past its timeout fails with TimeoutError and its worker is replaced", async () => {
    await withPool(WorkerPool, { module, processes: 1 }, async (pool) => {
      await assert.rejects(
        pool.apply("spinForever", [], { timeout: 100 }),
        TimeoutError,
      );
      assert.equal(await pool.apply("sleepy", [3, 1]), 3);
      assert.equal(pool.stats().workers, 1);
    });
  });
});
