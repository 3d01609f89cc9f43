// A call takes its input when it is made, stops reading it when it ends, and
// refuses an iterator that breaks the protocol (API.md "Inputs").
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pools } from "./_pools.ts";
import { collect, sleep, tasks, withPool } from "./_helpers.ts";

/** An endless async generator that counts its reads and whether it was closed. */
function endless(): {
  iterable: AsyncIterable<number>;
  reads(): number;
  closed(): boolean;
} {
  let reads = 0;
  let closed = false;
  async function* generate(): AsyncGenerator<number> {
    try {
      for (let i = 0;; i++) {
        await sleep(1);
        reads++;
        yield i;
      }
    } finally {
      closed = true;
    }
  }
  return { iterable: generate(), reads: () => reads, closed: () => closed };
}

/** An iterable whose iterator's next() returns `step` (not an object). */
function brokenIterable(step: unknown): Iterable<number> {
  return {
    [Symbol.iterator]: () => ({ next: () => step as IteratorResult<number> }),
  };
}

/** The async form of {@linkcode brokenIterable}. */
function brokenAsyncIterable(step: unknown): AsyncIterable<number> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.resolve(step as IteratorResult<number>),
    }),
  };
}

async function stopsReading(source: ReturnType<typeof endless>): Promise<void> {
  await sleep(20);
  const reads = source.reads();
  await sleep(50);
  assert.ok(source.reads() <= reads + 1, "the input is still being read");
  assert.equal(source.closed(), true, "the input's return() was not called");
}

for (const Pool of pools) {
  describe(`${Pool.name} inputs`, () => {
    test("mapAsync() keeps the items an array had when called", async () => {
      await withPool(Pool, {}, async (pool) => {
        const batch = [1, 2, 3];
        const result = pool.mapAsync(tasks.sqr, batch);
        batch.length = 0;
        assert.deepEqual(await result, [1, 4, 9]);
      });
    });

    test("starmapAsync() keeps the items an array had when called", async () => {
      await withPool(Pool, {}, async (pool) => {
        const batch: [number, number][] = [[1, 2], [3, 4]];
        const result = pool.starmapAsync(tasks.add, batch);
        batch[0] = [100, 100];
        assert.deepEqual(await result, [3, 7]);
      });
    });

    test("applyAsync() runs with the args it was called with", async () => {
      await withPool(Pool, {}, async (pool) => {
        const args: [number, number] = [1, 2];
        const result = pool.applyAsync(tasks.add, args);
        args[0] = 5;
        assert.equal(await result, 3);
      });
    });

    test("imap() keeps the items an array had when called", async () => {
      await withPool(Pool, {}, async (pool) => {
        const batch = [1, 2, 3];
        const iterator = pool.imap(tasks.sqr, batch);
        batch.length = 0;
        assert.deepEqual(await collect(iterator), [1, 4, 9]);
      });
    });

    test("imap() over an array whose element getter throws yields the items before it, then the error", async () => {
      await withPool(Pool, {}, async (pool) => {
        const input = [1, 2, 3];
        Object.defineProperty(input, 1, {
          get() {
            throw new Error("getter");
          },
        });
        const iterator = pool.imap(tasks.sqr, input);
        assert.deepEqual(await iterator.next(), { done: false, value: 1 });
        await assert.rejects(iterator.next(), { message: "getter" });
        assert.equal((await iterator.next()).done, true);
        await assert.rejects(pool.map(tasks.sqr, input), { message: "getter" });
      });
    });

    test("map() over an endless async iterable stops reading it on terminate()", async () => {
      const source = endless();
      const pool = new Pool({ processes: 2 });
      const result = pool.map((x: number) => x, source.iterable);
      await sleep(20);
      // Handled before terminate(), which waits for the workers to stop.
      const rejected = assert.rejects(result, { name: "PoolTerminatedError" });
      await pool.terminate();
      await rejected;
      await stopsReading(source);
    });

    test("map() over an endless async iterable stops reading it on abort", async () => {
      const source = endless();
      await withPool(Pool, {}, async (pool) => {
        const controller = new AbortController();
        const result = pool.map((x: number) => x, source.iterable, {
          signal: controller.signal,
        });
        await sleep(20);
        const reason = new Error("enough");
        controller.abort(reason);
        await assert.rejects(result, (error) => error === reason);
        await stopsReading(source);
      });
    });

    test("imap() over an endless async iterable stops reading it on terminate()", async () => {
      const source = endless();
      const pool = new Pool({ processes: 2 });
      const iterator = pool.imap((x: number) => x, source.iterable);
      assert.deepEqual(await iterator.next(), { done: false, value: 0 });
      await pool.terminate();
      await assert.rejects(iterator.next(), { name: "PoolTerminatedError" });
      await stopsReading(source);
    });

    for (const step of [5, undefined, null, "x"]) {
      test(`map() and imap() reject an iterator whose next() returns ${String(step)} with TypeError`, async () => {
        await withPool(Pool, {}, async (pool) => {
          await assert.rejects(pool.map(tasks.sqr, brokenIterable(step)), {
            name: "TypeError",
            message: /next\(\) must return an object/,
          });
          await assert.rejects(
            pool.map(tasks.sqr, brokenAsyncIterable(step)),
            { name: "TypeError", message: /next\(\) must return an object/ },
          );
          for (
            const input of [brokenIterable(step), brokenAsyncIterable(step)]
          ) {
            const iterator = pool.imap(tasks.sqr, input);
            await assert.rejects(iterator.next(), {
              name: "TypeError",
              message: /next\(\) must return an object/,
            });
            assert.deepEqual(await iterator.next(), {
              done: true,
              value: undefined,
            });
          }
        });
      });
    }
  });
}
