// imap and imapUnordered on both pools: order, timeouts, errors, input errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { pools } from "./_pools.ts";
import {
  asyncFailingAfter,
  asyncOf,
  collect,
  failingAfter,
  Probe,
  sleep,
  tasks,
  withPool,
} from "./_helpers.ts";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

for (const Pool of pools) {
  describe(`${Pool.name} imap`, () => {
    test("imap() yields results in input order", async () => {
      await withPool(Pool, { processes: 3 }, async (pool) => {
        const input = range(20);
        assert.deepEqual(
          await collect(pool.imap(tasks.scrambled, input)),
          input.map((x) => x * 10),
        );
      });
    });

    test("imap() keeps input order with chunkSize 3", async () => {
      await withPool(Pool, {}, async (pool) => {
        const input = range(20);
        const values = await collect(
          pool.imap(tasks.scrambled, input, { chunkSize: 3 }),
        );
        assert.deepEqual(values, input.map((x) => x * 10));
      });
    });

    test("imap() is an async iterable iterator", async () => {
      await withPool(Pool, {}, async (pool) => {
        const iterator = pool.imap(tasks.sqr, [2, 3]);
        assert.equal(iterator[Symbol.asyncIterator](), iterator);
        assert.deepEqual(await iterator.next(), { value: 4, done: false });
        assert.deepEqual(await iterator.next(), { value: 9, done: false });
        assert.equal((await iterator.next()).done, true);
        assert.equal((await iterator.next()).done, true);
      });
    });

    test("imap() of an empty input ends at once", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await collect(pool.imap(tasks.sqr, [])), []);
        assert.deepEqual(
          await collect(pool.imapUnordered(tasks.sqr, asyncOf<number>([]))),
          [],
        );
      });
    });

    test("imap() accepts an AsyncIterable", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(
          await collect(pool.imap(tasks.sqr, asyncOf([1, 2, 3]))),
          [1, 4, 9],
        );
      });
    });

    test("imap() accepts a task name and an async fn", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(await collect(pool.imap("sqrAsync", [4, 5])), [
          16,
          25,
        ]);
      });
    });

    test("imap() with an unknown task name fails next() with TypeError", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(pool.imap("noSuchTask", [1]).next(), TypeError);
      });
    });

    test("next(timeout) rejects with TimeoutError and leaves the iterator usable", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const iterator = pool.imap(tasks.gated, probe.items(2));
          await assert.rejects(iterator.next(50), (error) => {
            assert.ok(error instanceof TimeoutError);
            assert.equal(error.name, "TimeoutError");
            return true;
          });
          await assert.rejects(iterator.next(0), TimeoutError);
          probe.release();
          assert.deepEqual(await iterator.next(5000), {
            value: 0,
            done: false,
          });
          assert.deepEqual(await iterator.next(), { value: 1, done: false });
          assert.equal((await iterator.next()).done, true);
        } finally {
          probe.release();
        }
      });
    });

    test("next(0) gives a result that is already there and done at the end", async () => {
      // One worker: the second item must not wait on a second worker's boot.
      await withPool(Pool, { processes: 1 }, async (pool) => {
        const iterator = pool.imap(tasks.sqr, [1, 2]);
        assert.deepEqual(await iterator.next(), { value: 1, done: false });
        await sleep(100);
        assert.deepEqual(await iterator.next(0), { value: 4, done: false });
        assert.equal((await iterator.next(0)).done, true);
        assert.equal((await iterator.next(10)).done, true);
      });
    });

    test("imapUnordered() next(timeout) rejects with TimeoutError and stays usable", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const iterator = pool.imapUnordered(tasks.gated, probe.items(1));
          await assert.rejects(iterator.next(50), TimeoutError);
          probe.release();
          assert.deepEqual(await iterator.next(), { value: 0, done: false });
          assert.equal((await iterator.next()).done, true);
        } finally {
          probe.release();
        }
      });
    });

    test("an error for item k is raised by the k-th next() and iteration continues", async () => {
      await withPool(Pool, {}, async (pool) => {
        const iterator = pool.imap(tasks.sqrNonNegative, [1, 2, -3, 4, -5, 6]);
        assert.deepEqual(await iterator.next(), { value: 1, done: false });
        assert.deepEqual(await iterator.next(), { value: 4, done: false });
        await assert.rejects(iterator.next(), {
          name: "RangeError",
          message: "negative: -3",
        });
        assert.deepEqual(await iterator.next(), { value: 16, done: false });
        await assert.rejects(iterator.next(), {
          name: "RangeError",
          message: "negative: -5",
        });
        assert.deepEqual(await iterator.next(), { value: 36, done: false });
        assert.equal((await iterator.next()).done, true);
      });
    });

    test("an error inside a chunk fails only its own item (chunkSize 3)", async () => {
      await withPool(Pool, {}, async (pool) => {
        const iterator = pool.imap(tasks.sqrNonNegative, [1, -2, 3, 4], {
          chunkSize: 3,
        });
        assert.deepEqual(await iterator.next(), { value: 1, done: false });
        await assert.rejects(iterator.next(), RangeError);
        assert.deepEqual(await iterator.next(), { value: 9, done: false });
        assert.deepEqual(await iterator.next(), { value: 16, done: false });
        assert.equal((await iterator.next()).done, true);
      });
    });

    for (const chunkSize of [1, 2]) {
      test(`an Iterable throwing mid-way: imap yields every item read, then throws, then ends (chunkSize ${chunkSize})`, async () => {
        await withPool(Pool, {}, async (pool) => {
          const boom = new Error("input broke");
          const iterator = pool.imap(tasks.sqr, failingAfter(3, boom), {
            chunkSize,
          });
          assert.deepEqual(await iterator.next(), { value: 0, done: false });
          assert.deepEqual(await iterator.next(), { value: 1, done: false });
          assert.deepEqual(await iterator.next(), { value: 4, done: false });
          await assert.rejects(iterator.next(), (error) => error === boom);
          assert.equal((await iterator.next()).done, true);
        });
      });
    }

    test("an AsyncIterable throwing mid-way: imapUnordered yields every item read, then throws", async () => {
      await withPool(Pool, {}, async (pool) => {
        const boom = new Error("async input broke");
        const iterator = pool.imapUnordered(
          tasks.sqr,
          asyncFailingAfter(3, boom),
          { chunkSize: 2 },
        );
        const values: number[] = [];
        for (let i = 0; i < 3; i++) {
          const step = await iterator.next();
          assert.equal(step.done, false);
          values.push(step.value as number);
        }
        assert.deepEqual(values.sort(), [0, 1, 4]);
        await assert.rejects(iterator.next(), (error) => error === boom);
        assert.equal((await iterator.next()).done, true);
      });
    });
  });

  describe(`${Pool.name} imapUnordered`, () => {
    test("imapUnordered() yields in completion order", async () => {
      const probe = new Probe();
      await withPool(Pool, { processes: 3 }, async (pool) => {
        try {
          const iterator = pool.imapUnordered(tasks.gated, probe.items(3));
          await probe.waitStarted(3);
          probe.release(2);
          assert.deepEqual(await iterator.next(), { value: 2, done: false });
          probe.release(0);
          assert.deepEqual(await iterator.next(), { value: 0, done: false });
          probe.release(1);
          assert.deepEqual(await iterator.next(), { value: 1, done: false });
          assert.equal((await iterator.next()).done, true);
        } finally {
          probe.release();
        }
      });
    });

    test("imapUnordered() yields every result exactly once", async () => {
      await withPool(Pool, { processes: 3 }, async (pool) => {
        const values = await collect(
          pool.imapUnordered(tasks.scrambled, range(30), { chunkSize: 2 }),
        );
        assert.deepEqual(
          values.sort((a, b) => a - b),
          range(30).map((x) => x * 10),
        );
      });
    });

    test("imapUnordered() raises an item's error once and continues", async () => {
      await withPool(Pool, {}, async (pool) => {
        const iterator = pool.imapUnordered(tasks.sqrNonNegative, [1, -2, 3]);
        const values: number[] = [];
        const errors: unknown[] = [];
        for (let i = 0; i < 3; i++) {
          try {
            const step = await iterator.next();
            values.push(step.value as number);
          } catch (error) {
            errors.push(error);
          }
        }
        assert.deepEqual(values.sort(), [1, 9]);
        assert.equal(errors.length, 1);
        assert.ok(errors[0] instanceof RangeError);
        assert.equal((await iterator.next()).done, true);
      });
    });
  });
}
