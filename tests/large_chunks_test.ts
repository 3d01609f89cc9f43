// Large chunks of primitives (Bun sends them bare, after a header message):
// values, order, errors and the message stream stay as they are.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool, pools } from "./_pools.ts";
import { tasks, withPool } from "./_helpers.ts";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// Every kind of primitive that may travel bare, in a known pattern.
function primitives(n: number): unknown[] {
  const kinds = [(i: number) => i, (i: number) => i + 0.5, String, Boolean];
  return range(n).map((i) =>
    i % 97 === 0 ? null : i % 89 === 0 ? undefined : kinds[i % 4](i)
  );
}

for (const PoolClass of pools) {
  describe(`${PoolClass.name} large chunks`, () => {
    for (const chunkSize of [undefined, 300, 2000]) {
      test(`map() returns large chunks of primitives as they were, chunkSize ${chunkSize}`, async () => {
        await withPool(PoolClass, {}, async (pool) => {
          const input = primitives(2000);
          assert.deepEqual(
            await pool.map(tasks.identity, input, { chunkSize }),
            input,
          );
        });
      });
    }

    test("map() squares 100000 numbers in order in one call after another", async () => {
      await withPool(PoolClass, {}, async (pool) => {
        const input = range(100000);
        const expected = input.map((x) => x * x);
        assert.deepEqual(await pool.map(tasks.sqr, input), expected);
        assert.deepEqual(await pool.map(tasks.sqr, input), expected);
      });
    });

    test("map() returns -0, NaN, Infinity and fractions in large chunks of numbers as they were", async () => {
      await withPool(PoolClass, {}, async (pool) => {
        const special = [-0, NaN, Infinity, -Infinity, 0.1, -1e308, 2 ** 53];
        const input = range(1000).map((i) => special[i % special.length]);
        const output = await pool.map(tasks.identity, input, {
          chunkSize: 500,
        });
        assert.equal(output.length, input.length);
        assert.ok(Array.isArray(output));
        output.forEach((value, i) => assert.ok(Object.is(value, input[i])));
        const one = await pool.map(tasks.identity, input);
        assert.ok(Array.isArray(one));
      });
    });

    test("map() keeps an object among a large chunk of primitives", async () => {
      await withPool(PoolClass, {}, async (pool) => {
        const input: unknown[] = range(600);
        input[300] = { at: 300, list: [1, 2] };
        assert.deepEqual(
          await pool.map(tasks.identity, input, { chunkSize: 600 }),
          input,
        );
      });
    });

    test("map() of a large chunk with a failing item rejects with its error, and the pool goes on", async () => {
      await withPool(PoolClass, {}, async (pool) => {
        const input = range(1000);
        input[500] = -5;
        await assert.rejects(
          pool.map(tasks.sqrNonNegative, input, { chunkSize: 1000 }),
          { name: "RangeError", message: "negative: -5" },
        );
        assert.deepEqual(
          await pool.map(tasks.sqr, range(1000), { chunkSize: 500 }),
          range(1000).map((x) => x * x),
        );
        assert.equal(await pool.apply(tasks.add, [2, 3]), 5);
      });
    });

    test("map() of large chunks with a timeout returns every value", async () => {
      await withPool(PoolClass, {}, async (pool) => {
        assert.deepEqual(
          await pool.map(tasks.sqr, range(1000), {
            chunkSize: 500,
            timeout: 60_000,
          }),
          range(1000).map((x) => x * x),
        );
      });
    });
  });
}

describe("Pool large chunks", () => {
  test("map() of a large chunk whose task returns a symbol fails with DataCloneError, and the pool goes on", async () => {
    await withPool(Pool, {}, async (pool) => {
      await assert.rejects(
        pool.map(
          (x: number) => (x === 300 ? Symbol("no") : x),
          range(600),
          { chunkSize: 600 },
        ),
        { name: "DataCloneError" },
      );
      assert.deepEqual(
        await pool.map(tasks.identity, range(600), { chunkSize: 300 }),
        range(600),
      );
    });
  });
});
