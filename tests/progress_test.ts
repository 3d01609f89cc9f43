// The onProgress call option: what tasks report with progress() reaches the
// caller before the call settles; a throwing onProgress fails its call.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pools } from "./_pools.ts";
import { collect, withPool } from "./_helpers.ts";

const extension = new URL(import.meta.url).pathname.endsWith(".ts")
  ? "ts"
  : "js";
const module = new URL(`./testdata/task_tasks.${extension}`, import.meta.url)
  .href;

for (const Pool of pools) {
  describe(`${Pool.name} onProgress`, () => {
    test("onProgress receives every value of a synchronous task before apply() settles", async () => {
      await withPool(Pool, { module }, async (pool) => {
        const seen: unknown[] = [];
        const value = await pool.apply("reportSteps", [4], {
          onProgress: (step) => seen.push(step),
        });
        assert.equal(value, 4);
        assert.deepEqual(seen, [0, 1, 2, 3]);
      });
    });

    test("onProgress receives every value of async tasks of a map() before it settles", async () => {
      await withPool(Pool, { module }, async (pool) => {
        const seen: [number, number][] = [];
        const ids = await pool.starmap("reportStepsAsync", [[1, 3], [2, 3], [
          3,
          3,
        ]], {
          chunkSize: 1,
          onProgress: (step) => seen.push(step as [number, number]),
        });
        assert.deepEqual(ids, [1, 2, 3]);
        for (const id of [1, 2, 3]) {
          assert.deepEqual(
            seen.filter(([from]) => from === id).map(([, i]) => i),
            [0, 1, 2],
          );
        }
      });
    });

    test("imap() delivers progress to onProgress while it yields", async () => {
      await withPool(Pool, { module }, async (pool) => {
        let seen = 0;
        const values = await collect(
          pool.imap("reportSteps", [1, 2, 3], { onProgress: () => seen++ }),
        );
        assert.deepEqual(values, [1, 2, 3]);
        assert.equal(seen, 6);
      });
    });

    test("progress() without onProgress does nothing", async () => {
      await withPool(Pool, { module }, async (pool) => {
        assert.deepEqual(await pool.map("reportSteps", [2, 3]), [2, 3]);
      });
    });

    test("a throwing onProgress fails the call with what it threw; the pool goes on", async () => {
      await withPool(Pool, { module }, async (pool) => {
        const thrown = new Error("progress bar broke");
        await assert.rejects(
          pool.apply("reportStepsAsync", [1, 3], {
            onProgress: () => {
              throw thrown;
            },
          }),
          (error) => error === thrown,
        );
        const errors: unknown[] = [];
        const result = pool.mapAsync("reportSteps", [1, 2], {
          onProgress: () => {
            throw thrown;
          },
          errorCallback: (error) => errors.push(error),
        });
        await assert.rejects(result.get(), (error) => error === thrown);
        assert.deepEqual(errors, [thrown]);
        assert.equal(await pool.apply("reportSteps", [2]), 2);
      });
    });

    test("onProgress must be a function", async () => {
      await withPool(Pool, { module }, (pool) => {
        assert.throws(
          () => pool.apply("reportSteps", [1], { onProgress: 5 as never }),
          {
            name: "TypeError",
            message:
              "Cannot apply the task as 'onProgress' must be a function: current value is 5",
          },
        );
        assert.throws(
          () => pool.map("reportSteps", [1], { onProgress: "x" as never }),
          TypeError,
        );
      });
    });
  });
}

const WorkerPool = pools.find((Pool) => Pool.name === "Pool")!;
describe("Pool progress() across the worker boundary", () => {
  test("progress() of a value that cannot be cloned throws DataCloneError in the task", async () => {
    await withPool(WorkerPool, { module }, async (pool) => {
      assert.equal(
        await pool.apply("reportFunction", [], { onProgress: () => {} }),
        "DataCloneError",
      );
    });
  });
});
