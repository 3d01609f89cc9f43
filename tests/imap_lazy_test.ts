// imap and imapUnordered laziness on both pools: bufferSize, chunkSize, early exit.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { pools, variant } from "./_pools.ts";
import {
  collect,
  counting,
  deferred,
  make,
  Probe,
  sleep,
  tasks,
  withPool,
} from "./_helpers.ts";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** An async input that yields `first`, then waits for `gate`, then yields `rest`. */
async function* gatedInput(
  first: number[],
  gate: Promise<void>,
  rest: number[],
): AsyncGenerator<number> {
  yield* first;
  await gate;
  yield* rest;
}

for (const Pool of pools) {
  describe(`${Pool.name} imap laziness`, () => {
    test("imap() reads at most bufferSize * chunkSize items ahead", async () => {
      await withPool(Pool, {}, async (pool) => {
        const input = counting(1000);
        const iterator = pool.imap(tasks.sqr, input.iterable, {
          bufferSize: 2,
          chunkSize: 3,
        });
        await sleep(50);
        assert.ok(
          input.reads() <= 6,
          `read ${input.reads()} items before any next()`,
        );
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(await iterator.next(), {
            value: i * i,
            done: false,
          });
        }
        await sleep(50);
        assert.ok(
          input.reads() <= 9,
          `read ${input.reads()} items after yielding one chunk`,
        );
        await iterator.return?.();
      });
    });

    test("imap() reads at most 2 × processes items ahead by default", async () => {
      await withPool(Pool, { processes: 2 }, async (pool) => {
        const input = counting(1000);
        const iterator = pool.imap(tasks.sqr, input.iterable);
        assert.deepEqual(await iterator.next(), { value: 0, done: false });
        await sleep(50);
        assert.ok(
          input.reads() <= 5,
          `read ${input.reads()} items after one next()`,
        );
        await iterator.return?.();
      });
    });

    test("imapUnordered() reads at most bufferSize * chunkSize items ahead", async () => {
      await withPool(Pool, {}, async (pool) => {
        const input = counting(1000);
        const iterator = pool.imapUnordered(tasks.sqr, input.iterable, {
          bufferSize: 1,
          chunkSize: 2,
        });
        await sleep(50);
        assert.ok(
          input.reads() <= 2,
          `read ${input.reads()} items before any next()`,
        );
        await iterator.next();
        await iterator.next();
        await sleep(50);
        assert.ok(
          input.reads() <= 4,
          `read ${input.reads()} items after yielding one chunk`,
        );
        await iterator.return?.();
      });
    });

    test("imap() walks a long input lazily to the end", async () => {
      await withPool(Pool, {}, async (pool) => {
        const input = counting(300);
        let sum = 0;
        for await (
          const value of pool.imap(tasks.sqr, input.iterable, { bufferSize: 2 })
        ) sum += value;
        assert.equal(sum, range(300).reduce((total, x) => total + x * x, 0));
        assert.equal(input.reads(), 300);
      });
    });

    test("imap() reads a number option as chunkSize: the first result waits for 3 items", async () => {
      await withPool(Pool, {}, async (pool) => {
        await pool.map(tasks.sqr, [1, 2], 1); // warm up
        const gate = deferred();
        async function* slowInput(): AsyncGenerator<number> {
          yield 1;
          await gate.promise;
          yield 2;
          yield 3;
        }
        const iterator = pool.imap(tasks.sqr, slowInput(), 3);
        await assert.rejects(iterator.next(150), TimeoutError);
        gate.resolve();
        assert.deepEqual(await collect(iterator), [1, 4, 9]);
      });
    });

    test("imap() default chunkSize is 1: the first result does not wait for more input", async () => {
      await withPool(Pool, {}, async (pool) => {
        const gate = deferred();
        const iterator = pool.imap(
          tasks.sqr,
          gatedInput([3], gate.promise, [4, 5]),
        );
        try {
          assert.deepEqual(await iterator.next(5000), {
            value: 9,
            done: false,
          });
        } finally {
          gate.resolve();
        }
        assert.deepEqual(await collect(iterator), [16, 25]);
      });
    });

    test("imapUnordered() reads a number option as chunkSize: the first result waits for 2 items", async () => {
      await withPool(Pool, {}, async (pool) => {
        await pool.map(tasks.sqr, [1, 2], 1); // warm up
        const gate = deferred();
        const iterator = pool.imapUnordered(
          tasks.sqr,
          gatedInput([1], gate.promise, [2]),
          2,
        );
        await assert.rejects(iterator.next(150), TimeoutError);
        gate.resolve();
        assert.deepEqual((await collect(iterator)).sort(), [1, 4]);
      });
    });

    test("several next() calls without awaiting resolve in input order", async () => {
      await withPool(Pool, { processes: 3 }, async (pool) => {
        const iterator = pool.imap(tasks.scrambled, range(6));
        const steps = await Promise.all(range(7).map(() => iterator.next()));
        assert.deepEqual(
          steps.slice(0, 6).map((step) => step.value),
          range(6).map((x) => x * 10),
        );
        assert.equal(steps[6].done, true);
      });
    });

    test("breaking out of for await stops reading the input", async () => {
      await withPool(Pool, {}, async (pool) => {
        const input = counting(1000);
        for await (
          const value of pool.imap(tasks.sqr, input.iterable, { bufferSize: 2 })
        ) {
          if (value >= 4) break;
        }
        const readAtBreak = input.reads();
        await sleep(50);
        assert.equal(input.reads(), readAtBreak);
        assert.ok(
          readAtBreak <= 2 + 3,
          `read ${readAtBreak} items for 3 results`,
        );
      });
    });

    for (const method of ["imap", "imapUnordered"] as const) {
      test(`breaking out of for await over ${method}() stops the tasks not yet started`, async () => {
        const probe = new Probe();
        const pool = make(Pool, { processes: 2 });
        try {
          probe.release(0);
          const seen: number[] = [];
          for await (
            const value of pool[method](tasks.gated, probe.items(10), {
              bufferSize: 10,
            })
          ) {
            seen.push(value);
            break;
          }
          assert.deepEqual(seen, [0]);
          probe.release();
          pool.close();
          await pool.join();
          // A worker process that the OS does not schedule between the
          // break and the gate opening reads its SKIPs only after its current
          // task: it may start one more (no shared memory to withdraw by).
          const most = variant === "process" ? 5 : 3;
          assert.ok(
            probe.started <= most,
            `${probe.started} of 10 tasks started after break`,
          );
        } finally {
          probe.release();
          await pool.terminate();
        }
      });
    }

    test("return() ends the iterator", async () => {
      await withPool(Pool, {}, async (pool) => {
        const iterator = pool.imap(tasks.sqr, [1, 2, 3]);
        assert.deepEqual(await iterator.next(), { value: 1, done: false });
        assert.equal((await iterator.return!()).done, true);
        assert.equal((await iterator.next()).done, true);
        assert.equal(await pool.apply(tasks.sqr, [2]), 4);
      });
    });

    test("imap(); close(); join(); then consuming the iterator yields every result", async () => {
      const pool = make(Pool);
      try {
        const iterator = pool.imap(tasks.sqr, range(12));
        const unordered = pool.imapUnordered(tasks.sqr, range(12), {
          bufferSize: 1,
        });
        pool.close();
        await pool.join();
        assert.deepEqual(await collect(iterator), range(12).map((x) => x * x));
        assert.deepEqual(
          (await collect(unordered)).sort((a, b) => a - b),
          range(12).map((x) => x * x),
        );
      } finally {
        await pool.terminate();
      }
    });
  });
}
