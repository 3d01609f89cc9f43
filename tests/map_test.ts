// map, mapAsync, starmap, starmapAsync on both pools.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AsyncResult } from "../mod.ts";
import { pools } from "./_pools.ts";
import {
  asyncFailingAfter,
  asyncOf,
  counting,
  failingAfter,
  Probe,
  tasks,
  withPool,
} from "./_helpers.ts";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

for (const Pool of pools) {
  describe(`${Pool.name} map`, () => {
    test("map() returns fn(item) for every item in input order", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await pool.map(tasks.sqr, [1, 2, 3, 4]), [
          1,
          4,
          9,
          16,
        ]);
      });
    });

    test("map() keeps input order when later items finish first", async () => {
      await withPool(Pool, { processes: 3 }, async (pool) => {
        const input = range(30);
        assert.deepEqual(
          await pool.map(tasks.scrambled, input, 1),
          input.map((x) => x * 10),
        );
      });
    });

    for (const chunkSize of [1, 3, 7, 100]) {
      test(`map() keeps input order with chunkSize ${chunkSize}`, async () => {
        await withPool(Pool, {}, async (pool) => {
          const input = range(20);
          assert.deepEqual(
            await pool.map(tasks.scrambled, input, { chunkSize }),
            input.map((x) => x * 10),
          );
        });
      });
    }

    test("map() reads a number option as chunkSize", async () => {
      // With chunks [0,1,2] and [3,4,5], the first item of each chunk starts first.
      const probe = new Probe();
      await withPool(Pool, { processes: 2 }, async (pool) => {
        try {
          const mapped = pool.map(tasks.gated, probe.items(6), 3);
          await probe.waitStarted(2);
          assert.deepEqual(probe.startOrder().sort(), [0, 3]);
          probe.release();
          assert.deepEqual(await mapped, range(6));
        } finally {
          probe.release();
        }
      });
    });

    test("map() chunkSize 1 hands out single items", async () => {
      const probe = new Probe();
      await withPool(Pool, { processes: 2 }, async (pool) => {
        try {
          const mapped = pool.map(tasks.gated, probe.items(6), {
            chunkSize: 1,
          });
          await probe.waitStarted(2);
          assert.deepEqual(probe.startOrder().sort(), [0, 1]);
          probe.release();
          assert.deepEqual(await mapped, range(6));
        } finally {
          probe.release();
        }
      });
    });

    test("map() default chunkSize is ceil(n / (processes * 4))", async () => {
      // 16 items, 2 processes: chunkSize 2, so chunks [0,1] [2,3] ...
      const probe = new Probe();
      await withPool(Pool, { processes: 2 }, async (pool) => {
        try {
          const mapped = pool.map(tasks.gated, probe.items(16));
          await probe.waitStarted(2);
          assert.deepEqual(probe.startOrder().sort(), [0, 2]);
          probe.release();
          assert.deepEqual(await mapped, range(16));
        } finally {
          probe.release();
        }
      });
    });

    test("map() default chunkSize for 40 items and 2 processes is 5", async () => {
      const probe = new Probe();
      await withPool(Pool, { processes: 2 }, async (pool) => {
        try {
          const mapped = pool.map(tasks.gated, probe.items(40));
          await probe.waitStarted(2);
          assert.deepEqual(probe.startOrder().sort((a, b) => a - b), [0, 5]);
          probe.release();
          assert.deepEqual(await mapped, range(40));
        } finally {
          probe.release();
        }
      });
    });

    test("map() of an empty input resolves to []", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await pool.map(tasks.sqr, []), []);
        assert.deepEqual(await pool.map(tasks.sqr, new Set<number>()), []);
        assert.deepEqual(await pool.map(tasks.sqr, asyncOf<number>([])), []);
      });
    });

    test("map() accepts any Iterable: Set, generator, string", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await pool.map(tasks.sqr, new Set([1, 2, 3])), [
          1,
          4,
          9,
        ]);
        assert.deepEqual(await pool.map(tasks.sqr, counting(4).iterable), [
          0,
          1,
          4,
          9,
        ]);
        assert.deepEqual(await pool.map(tasks.identity, "abc"), [
          "a",
          "b",
          "c",
        ]);
      });
    });

    test("map() accepts an AsyncIterable", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await pool.map(tasks.sqr, asyncOf([1, 2, 3, 4, 5])), [
          1,
          4,
          9,
          16,
          25,
        ]);
      });
    });

    test("map() awaits an async fn", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await pool.map(tasks.sqrAsync, [1, 2, 3]), [1, 4, 9]);
      });
    });

    test("map() accepts a task name", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await pool.map("sqr", [5, 6]), [25, 36]);
      });
    });

    test("map() with an unknown task name rejects with TypeError", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(pool.map("noSuchTask", [1, 2]), TypeError);
      });
    });

    test("map() of 1000 items returns 1000 results in order", async () => {
      await withPool(Pool, {}, async (pool) => {
        const input = range(1000);
        assert.deepEqual(
          await pool.map(tasks.sqr, input),
          input.map((x) => x * x),
        );
      });
    });

    test("map() rejects with the error of a failing item", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(pool.map(tasks.sqrNonNegative, [1, 2, -3, 4], 1), {
          name: "RangeError",
          message: "negative: -3",
        });
        assert.deepEqual(await pool.map(tasks.sqr, [2]), [4]);
      });
    });

    test("map() rejects with the error an Iterable throws mid-way", async () => {
      await withPool(Pool, {}, async (pool) => {
        const boom = new Error("input broke");
        await assert.rejects(
          pool.map(tasks.sqr, failingAfter(5, boom)),
          (error) => error === boom,
        );
      });
    });

    test("map() rejects with the error an AsyncIterable throws mid-way", async () => {
      await withPool(Pool, {}, async (pool) => {
        const boom = new Error("async input broke");
        await assert.rejects(
          pool.map(tasks.sqr, asyncFailingAfter(3, boom)),
          (error) => error === boom,
        );
        assert.deepEqual(await pool.map(tasks.sqr, [3]), [9]);
      });
    });

    test("concurrent map() calls each get their own results", async () => {
      await withPool(Pool, {}, async (pool) => {
        const [a, b] = await Promise.all([
          pool.map(tasks.scrambled, [1, 2, 3]),
          pool.map(tasks.sqr, [4, 5, 6]),
        ]);
        assert.deepEqual(a, [10, 20, 30]);
        assert.deepEqual(b, [16, 25, 36]);
      });
    });
  });

  describe(`${Pool.name} mapAsync`, () => {
    test("mapAsync() returns an AsyncResult of the list", async () => {
      await withPool(Pool, {}, async (pool) => {
        const result = pool.mapAsync(tasks.sqr, [1, 2, 3]);
        assert.ok(result instanceof AsyncResult);
        assert.deepEqual(await result.get(), [1, 4, 9]);
        assert.equal(result.successful(), true);
      });
    });

    test("mapAsync() callback gets the whole list once", async () => {
      await withPool(Pool, {}, async (pool) => {
        const calls: unknown[] = [];
        const result = pool.mapAsync(tasks.scrambled, [3, 2, 1], {
          chunkSize: 1,
          callback: (values) => calls.push(values),
        });
        assert.deepEqual(await result, [30, 20, 10]);
        assert.deepEqual(calls, [[30, 20, 10]]);
      });
    });

    test("mapAsync() of an empty input gets []", async () => {
      await withPool(Pool, {}, async (pool) => {
        const calls: unknown[] = [];
        const result = pool.mapAsync(tasks.sqr, [], {
          callback: (values) => calls.push(values),
        });
        assert.deepEqual(await result.get(), []);
        assert.deepEqual(calls, [[]]);
      });
    });

    test("mapAsync() reads a number option as chunkSize", async () => {
      const probe = new Probe();
      await withPool(Pool, { processes: 2 }, async (pool) => {
        try {
          const result = pool.mapAsync(tasks.gated, probe.items(4), 2);
          await probe.waitStarted(2);
          assert.deepEqual(probe.startOrder().sort(), [0, 2]);
          probe.release();
          assert.deepEqual(await result.get(), range(4));
        } finally {
          probe.release();
        }
      });
    });

    test("mapAsync() accepts an AsyncIterable", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(
          await pool.mapAsync(tasks.sqr, asyncOf([7, 8])).get(),
          [49, 64],
        );
      });
    });
  });

  describe(`${Pool.name} starmap`, () => {
    test("starmap() calls fn(...item) and keeps input order", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(
          await pool.starmap(tasks.add, [[1, 2], [3, 4], [5, 6]]),
          [3, 7, 11],
        );
        assert.deepEqual(
          await pool.starmap(tasks.sleepy, [["a", 15], ["b", 0], ["c", 5]], 1),
          ["a", "b", "c"],
        );
      });
    });

    test("starmap() of an empty input resolves to []", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await pool.starmap(tasks.add, []), []);
      });
    });

    test("starmap() accepts an AsyncIterable of argument lists", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(
          await pool.starmap(tasks.add, asyncOf([[1, 1], [2, 2]])),
          [2, 4],
        );
      });
    });

    test("starmap() spreads any iterable item: Set and string", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(
          await pool.starmap(
            tasks.add,
            [new Set([1, 2]), [3, 4]] as unknown as [number, number][],
          ),
          [3, 7],
        );
        assert.deepEqual(
          await pool.starmap(
            (a: string, b: string) => b + a,
            ["ab", "cd"] as unknown as [string, string][],
          ),
          ["ba", "dc"],
        );
      });
    });

    test("starmap() with an item that is not iterable rejects with TypeError", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.starmap(tasks.add, [[1, 2], 3 as unknown as [number, number]]),
          TypeError,
        );
        assert.deepEqual(await pool.starmap(tasks.add, [[1, 2]]), [3]);
      });
    });

    test("starmap() reads a number option as chunkSize", async () => {
      const probe = new Probe();
      await withPool(Pool, { processes: 2 }, async (pool) => {
        try {
          const items = range(6).map((i) =>
            [i, probe.sab] as [number, typeof probe.sab]
          );
          const mapped = pool.starmap(tasks.gatedStar, items, 3);
          await probe.waitStarted(2);
          assert.deepEqual(probe.startOrder().sort(), [0, 3]);
          probe.release();
          assert.deepEqual(await mapped, range(6));
        } finally {
          probe.release();
        }
      });
    });

    test("starmap() rejects with the error of a failing item", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.starmap(tasks.throwCustom, [["bad", "E_BAD"]]),
          { name: "CustomError", message: "bad", code: "E_BAD" },
        );
      });
    });

    test("starmapAsync() returns an AsyncResult and calls callback with the list", async () => {
      await withPool(Pool, {}, async (pool) => {
        const calls: unknown[] = [];
        const result = pool.starmapAsync(tasks.add, [[1, 2], [3, 4]], {
          callback: (values) => calls.push(values),
        });
        assert.ok(result instanceof AsyncResult);
        assert.deepEqual(await result.get(), [3, 7]);
        assert.deepEqual(calls, [[3, 7]]);
      });
    });

    test("starmapAsync() of an empty input gets []", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await pool.starmapAsync(tasks.add, []).get(), []);
      });
    });
  });
}
