// What cannot cross to a worker fails alone (API.md "Cloning"): errors keep
// what can be cloned, an unclonable item fails without its chunk's others,
// and the map family transfers each item's own objects.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool, ThreadPool } from "../mod.ts";
import { pools } from "./_pools.ts";
import { tasks, withPool } from "./_helpers.ts";

/** Every outcome of an imap, errors as `{ error }`, in input order. */
async function outcomes(iterator: AsyncIterator<unknown>): Promise<unknown[]> {
  const all: unknown[] = [];
  for (;;) {
    try {
      const step = await iterator.next();
      if (step.done) return all;
      all.push(step.value);
    } catch (error) {
      all.push({ error });
    }
  }
}

// Throws, for item 2, an error with own properties that cannot be cloned.
const hostile = (x: number): number => {
  if (x !== 2) return x * 10;
  const error = new RangeError("bad item") as RangeError & {
    code: string;
    sym: symbol;
    fn: () => number;
    [key: symbol]: unknown;
  };
  error.code = "E_BAD";
  error.sym = Symbol("s");
  error.fn = () => 1;
  error[Symbol("key")] = 1;
  Object.defineProperty(error, "boom", {
    enumerable: true,
    get() {
      throw new Error("getter");
    },
  });
  throw error;
};

for (const PoolClass of pools) {
  describe(`${PoolClass.name} cloning`, () => {
    test("an error with symbol, function and throwing-getter properties fails only its item", async () => {
      await withPool(PoolClass, {}, async (pool) => {
        const all = await outcomes(pool.imap(hostile, [1, 2, 3], 3));
        assert.equal(all[0], 10);
        assert.equal(all[2], 30);
        const { error } = all[1] as { error: RangeError & { code: string } };
        assert.ok(error instanceof RangeError);
        assert.equal(error.message, "bad item");
        assert.equal(error.code, "E_BAD");
        assert.match(String(error.stack), /bad item/);
      });
    });

    test("map() with transfer given as a list throws TypeError naming 'transfer'", async () => {
      await withPool(PoolClass, {}, (pool) => {
        const buffer = new ArrayBuffer(8);
        for (
          const call of [() =>
            pool.map(tasks.byteLength, [buffer], {
              // @ts-expect-error: the map family takes a function of the item
              transfer: [buffer],
            }), () =>
            pool.imap(tasks.byteLength, [buffer], {
              // @ts-expect-error: the map family takes a function of the item
              transfer: [buffer],
            })]
        ) {
          assert.throws(call, {
            name: "TypeError",
            message: /'transfer' must be a function of the item/,
          });
        }
        assert.throws(
          // @ts-expect-error: apply takes a list
          () => pool.apply(tasks.byteLength, [buffer], { transfer: () => [] }),
          { name: "TypeError", message: /'transfer' must be an array/ },
        );
      });
    });
  });
}

describe("Pool cloning", () => {
  test("the hostile error leaves the worker alive and the ThreadPool error untouched", async () => {
    await withPool(Pool, {}, async (pool) => {
      await assert.rejects(pool.map(hostile, [1, 2, 3]), {
        name: "RangeError",
      });
      assert.deepEqual(await pool.map(hostile, [1, 3]), [10, 30]);
    });
    await withPool(ThreadPool, {}, async (pool) => {
      await assert.rejects(
        pool.apply(hostile, [2]),
        (error: { sym?: unknown }) => typeof error.sym === "symbol",
      );
    });
  });

  test("an argument that cannot be cloned fails alone; its chunk's other items complete", async () => {
    await withPool(Pool, {}, async (pool) => {
      const input = [1, () => 2, 3, Symbol("4"), 5];
      const all = await outcomes(pool.imap(tasks.identity, input, 5));
      assert.deepEqual([all[0], all[2], all[4]], [1, 3, 5]);
      for (const at of [1, 3]) {
        const { error } = all[at] as { error: Error };
        assert.equal(error.name, "DataCloneError");
        assert.match(error.message, /arguments to the worker/);
      }
      await assert.rejects(pool.map(tasks.identity, input, 5), {
        name: "DataCloneError",
      });
      assert.deepEqual(await pool.map(tasks.sqr, [1, 2, 3], 3), [1, 4, 9]);
    });
  });

  test("a result that cannot be cloned fails alone; its chunk's other items complete", async () => {
    await withPool(Pool, {}, async (pool) => {
      const task = (x: number): unknown => x === 2 ? () => x : x;
      const all = await outcomes(pool.imap(task, [1, 2, 3], 3));
      assert.deepEqual([all[0], all[2]], [1, 3]);
      const { error } = all[1] as { error: Error };
      assert.equal(error.name, "DataCloneError");
      assert.match(error.message, /result from the worker/);
    });
  });

  test("map() with a transfer function moves each item's buffer with its own chunk", async () => {
    await withPool(Pool, {}, async (pool) => {
      const buffers = [8, 16, 24, 32].map((n) => new ArrayBuffer(n));
      const lengths = await pool.map(tasks.byteLength, buffers, {
        chunkSize: 1,
        transfer: (buffer) => [buffer],
      });
      assert.deepEqual(lengths, [8, 16, 24, 32]);
      assert.deepEqual(buffers.map((b) => b.byteLength), [0, 0, 0, 0]);
    });
  });

  test("starmap() and imap() take a transfer function of the item", async () => {
    await withPool(Pool, {}, async (pool) => {
      const pairs: [ArrayBuffer, number][] = [[new ArrayBuffer(4), 1], [
        new ArrayBuffer(8),
        2,
      ]];
      const sizes = await pool.starmap(
        (buffer: ArrayBuffer, k: number) => buffer.byteLength * k,
        pairs,
        { chunkSize: 1, transfer: ([buffer]) => [buffer] },
      );
      assert.deepEqual(sizes, [4, 16]);
      assert.equal(pairs[0][0].byteLength, 0);
      const buffers = [new ArrayBuffer(3), new ArrayBuffer(5)];
      const got: number[] = [];
      for await (
        const n of pool.imap(tasks.byteLength, buffers, {
          transfer: (buffer) => [buffer],
        })
      ) got.push(n);
      assert.deepEqual(got, [3, 5]);
      assert.equal(buffers[1].byteLength, 0);
    });
  });

  test("a transfer function that throws fails only its item", async () => {
    await withPool(Pool, {}, async (pool) => {
      const all = await outcomes(
        pool.imap(tasks.sqr, [1, 2, 3], {
          chunkSize: 3,
          transfer: (x) => {
            if (x === 2) throw new Error("no transfer for 2");
            return [];
          },
        }),
      );
      assert.deepEqual([all[0], all[2]], [1, 9]);
      assert.match((all[1] as { error: Error }).error.message, /no transfer/);
    });
  });
});
