// apply() and applyAsync() on both pools, and the forms a task may take.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AsyncResult, ThreadPool } from "../mod.ts";
import { pools } from "./_pools.ts";
import { make, Probe, sleep, tasks, tasksUrl, withPool } from "./_helpers.ts";

for (const Pool of pools) {
  describe(`${Pool.name} apply`, () => {
    test("apply() resolves with fn(...args)", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.apply(tasks.sqr, [4]), 16);
        assert.equal(await pool.apply(tasks.add, [2, 3]), 5);
      });
    });

    test("apply() without args calls fn with no arguments", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.apply(() => 42), 42);
        assert.equal(await pool.apply((...rest: unknown[]) => rest.length), 0);
        assert.equal(
          await pool.apply((...rest: unknown[]) => rest.length, undefined, {}),
          0,
        );
        assert.equal(
          await pool.apply((...rest: unknown[]) => rest.length, []),
          0,
        );
      });
    });

    test("apply() awaits an async fn", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.apply(tasks.sqrAsync, [5]), 25);
        assert.equal(await pool.apply(tasks.sleepy, ["late", 10]), "late");
      });
    });

    test("apply() returns undefined for a fn without a result", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.apply(() => {}), undefined);
      });
    });

    test("apply() passes structured values and returns them", async () => {
      await withPool(Pool, {}, async (pool) => {
        const value = {
          a: [1, 2, { b: "c" }],
          d: new Map([[1, "x"]]),
          e: new Date(0),
        };
        assert.deepEqual(await pool.apply(tasks.identity, [value]), value);
      });
    });

    test("a task name resolves to the export of options.module", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.apply("sqr", [6]), 36);
        assert.equal(await pool.apply("add", [6, 1]), 7);
        assert.equal(await pool.apply("sqrAsync", [3]), 9);
      });
    });

    test("options.module may be a URL object", async () => {
      await withPool(Pool, { module: new URL(tasksUrl) }, async (pool) => {
        assert.equal(await pool.apply("sqr", [7]), 49);
        assert.equal(await pool.apply(tasks.add, [7, 1]), 8);
      });
    });

    test("a task name that options.module does not export rejects with TypeError", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(pool.apply("noSuchTask", [1]), TypeError);
        assert.equal(await pool.apply("sqr", [2]), 4);
      });
    });

    test("a task name without options.module fails with TypeError", async () => {
      const pool = new Pool(1);
      try {
        let result: Promise<unknown> | undefined;
        try {
          result = pool.apply("sqr", [2]);
        } catch (error) {
          assert.ok(error instanceof TypeError, String(error));
        }
        if (result) await assert.rejects(result, TypeError);
      } finally {
        await pool.terminate();
      }
    });

    test("built-ins such as Math.abs and JSON.stringify work as tasks", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.apply(Math.abs, [-7]), 7);
        assert.equal(await pool.apply(Math.max, [1, 9, 3]), 9);
        assert.equal(await pool.apply(JSON.stringify, [{ a: 1 }]), '{"a":1}');
        assert.deepEqual(await pool.map(Math.sqrt, [4, 9, 16]), [2, 3, 4]);
      });
    });

    test("a self-contained arrow function or function expression works as a task", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(
          await pool.apply((a: number, b: number) => a * b, [6, 7]),
          42,
        );
        assert.equal(
          await pool.apply(function twice(x: number) {
            return x * 2;
          }, [21]),
          42,
        );
        // deno-lint-ignore require-await
        assert.equal(await pool.apply(async (x: number) => x + 1, [1]), 2);
      });
    });

    test("apply() with a transfer list delivers the ArrayBuffer", async () => {
      await withPool(Pool, {}, async (pool) => {
        const buffer = new ArrayBuffer(16);
        assert.equal(
          await pool.apply(tasks.byteLength, [buffer], { transfer: [buffer] }),
          16,
        );
      });
    });

    test("no more than processes tasks run at once", async () => {
      const probe = new Probe();
      await withPool(Pool, { processes: 2 }, async (pool) => {
        try {
          const all = Promise.all(
            [0, 1, 2, 3].map((i) => pool.apply(tasks.gated, [probe.item(i)])),
          );
          await probe.waitStarted(2);
          await sleep(30);
          assert.equal(probe.started, 2);
          probe.release();
          assert.deepEqual(await all, [0, 1, 2, 3]);
        } finally {
          probe.release();
        }
      });
    });

    test("apply() calls run in submission order (FIFO) with one process", async () => {
      const probe = new Probe();
      await withPool(Pool, { processes: 1 }, async (pool) => {
        try {
          const all = Promise.all(
            [0, 1, 2, 3].map((i) => pool.apply(tasks.gated, [probe.item(i)])),
          );
          probe.release();
          await all;
          assert.deepEqual(probe.startOrder(), [0, 1, 2, 3]);
        } finally {
          probe.release();
        }
      });
    });
  });

  describe(`${Pool.name} applyAsync`, () => {
    test("applyAsync() returns an AsyncResult whose get() is the value", async () => {
      await withPool(Pool, {}, async (pool) => {
        const result = pool.applyAsync(tasks.sqr, [8]);
        assert.ok(result instanceof AsyncResult);
        assert.equal(await result.get(), 64);
        assert.equal(result.ready(), true);
        assert.equal(result.successful(), true);
      });
    });

    test("an AsyncResult can be awaited directly", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.applyAsync(tasks.add, [40, 2]), 42);
      });
    });

    test("applyAsync() without args calls fn with no arguments", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.applyAsync(() => "none").get(), "none");
      });
    });

    test("applyAsync() calls callback with the value", async () => {
      await withPool(Pool, {}, async (pool) => {
        const seen: unknown[] = [];
        const result = pool.applyAsync(tasks.sqr, [3], {
          callback: (value) => seen.push(value),
        });
        assert.equal(await result.get(), 9);
        assert.deepEqual(seen, [9]);
      });
    });

    test("applyAsync() accepts a task name", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.applyAsync("add", [1, 2]).get(), 3);
      });
    });

    test("applyAsync() with an unknown task name fails its result with TypeError", async () => {
      await withPool(Pool, {}, async (pool) => {
        const result = pool.applyAsync("noSuchTask", [1]);
        await assert.rejects(result.get(), TypeError);
        assert.equal(result.successful(), false);
      });
    });
  });
}

describe("ThreadPool specifics", () => {
  test("ThreadPool calls closures directly, sharing memory with the caller", async () => {
    const pool = new ThreadPool(2);
    try {
      const seen: number[] = [];
      const shared = { hits: 0 };
      await pool.map((x: number) => {
        shared.hits++;
        seen.push(x);
      }, [1, 2, 3]);
      assert.equal(shared.hits, 3);
      assert.deepEqual(seen.sort(), [1, 2, 3]);
      const object = {};
      assert.equal(await pool.apply(() => object), object);
    } finally {
      await pool.terminate();
    }
  });

  test("ThreadPool resolves task names through options.module too", async () => {
    const pool = make(ThreadPool);
    try {
      assert.equal(await pool.apply("sqr", [9]), 81);
    } finally {
      await pool.terminate();
    }
  });
});
