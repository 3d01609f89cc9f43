// Adversarial suite: hostile iterables (throwing return(), rejecting async
// sources, broken iterator protocols), throwing and async callbacks, and odd
// timeouts for get(), wait() and next(), on both pools.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { pools } from "./_pools.ts";
import { make, tasks, withPool } from "./_helpers.ts";
import { drain, type Outcome, outcome, sleep } from "./_adversary.ts";

for (const Pool of pools) {
  describe(`${Pool.name} hostile iterables and callbacks`, () => {
    test("an iterable whose next() throws and whose return() throws rejects map with the next() error", async () => {
      await withPool(Pool, {}, async (pool) => {
        const boom = new Error("next");
        let n = 0;
        const iterable: Iterable<number> = {
          [Symbol.iterator]: () => ({
            next: () => {
              if (n === 3) throw boom;
              return { done: false, value: n++ };
            },
            return: () => {
              throw new Error("return");
            },
          }),
        };
        const result = await outcome(pool.map(tasks.sqr, iterable), "map");
        assert.deepEqual(result, { ok: false, error: boom });
      });
    });

    test("breaking out of imap over an input whose return() throws settles and the pool goes on", async () => {
      await withPool(Pool, {}, async (pool) => {
        let returned = 0;
        function* endlessSync(): Generator<number> {
          for (let i = 0;; i++) yield i;
        }
        const source = endlessSync();
        const iterable: Iterable<number> = {
          [Symbol.iterator]: () => ({
            next: () => source.next(),
            return: () => {
              returned++;
              throw new Error("return");
            },
          }),
        };
        const loop = (async () => {
          for await (const value of pool.imap(tasks.sqr, iterable)) {
            if (value === 9) break;
          }
        })();
        await outcome(loop, "for await with break");
        assert.ok(returned <= 1, `return() called ${returned} times`);
        assert.equal(await pool.apply(tasks.sqr, [4]), 16);
      });
    });

    test("an async iterable that rejects: map rejects with it; imap yields what was read, then rejects, then ends", async () => {
      await withPool(Pool, {}, async (pool) => {
        const reason = new Error("source broke");
        const source = async function* (): AsyncGenerator<number> {
          yield 1;
          await sleep(1);
          yield 2;
          throw reason;
        };
        assert.deepEqual(
          await outcome(pool.map(tasks.sqr, source()), "map"),
          { ok: false, error: reason },
        );
        assert.deepEqual(await drain(pool.imap(tasks.sqr, source())), [
          1,
          4,
          { error: reason },
        ]);
        const rejectsAtOnce: AsyncIterable<number> = {
          [Symbol.asyncIterator]: () => ({
            next: () => Promise.reject(reason),
          }),
        };
        assert.deepEqual(
          await outcome(pool.mapAsync(tasks.sqr, rejectsAtOnce).get(), "map"),
          { ok: false, error: reason },
        );
      });
    });

    test("an iterable whose iterator getter or next() misbehaves fails the call, never hangs", async () => {
      await withPool(Pool, {}, async (pool) => {
        const hostile: unknown[] = [
          {
            get [Symbol.iterator](): never {
              throw new Error("getter");
            },
          },
          { [Symbol.iterator]: () => null },
          { [Symbol.asyncIterator]: () => ({ next: () => 5 }) },
          {
            [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(7) }),
          },
          { [Symbol.iterator]: () => ({ next: () => undefined }) },
        ];
        for (const [i, input] of hostile.entries()) {
          for (const method of ["map", "imap", "starmap"] as const) {
            let result: Outcome;
            try {
              const call = (pool[method] as (
                fn: unknown,
                input: unknown,
              ) => PromiseLike<unknown> | AsyncIterator<unknown>).call(
                pool,
                tasks.sqr,
                input,
              );
              result = await outcome(
                method === "imap"
                  ? (call as AsyncIterator<unknown>).next()
                  : call as Promise<unknown>,
                `${method} over hostile #${i}`,
              );
            } catch (error) {
              result = { ok: false, error };
            }
            assert.equal(result.ok, false, `${method} over hostile #${i}`);
          }
        }
        assert.equal(await pool.apply(tasks.sqr, [3]), 9);
      });
    });

    test("an array whose element getter throws: map() rejects, imap() surfaces the error through next()", async () => {
      await withPool(Pool, {}, async (pool) => {
        const boom = new Error("element getter");
        const input = (): number[] => {
          const array = [1, 2, 3];
          Object.defineProperty(array, 1, {
            get(): never {
              throw boom;
            },
          });
          return array;
        };
        assert.deepEqual(await outcome(pool.map(tasks.sqr, input()), "map"), {
          ok: false,
          error: boom,
        });
        for (const method of ["imap", "imapUnordered"] as const) {
          let iterator: AsyncIterator<unknown> | undefined;
          assert.doesNotThrow(() => {
            iterator = pool[method](tasks.sqr, input());
          }, `${method}() threw synchronously`);
          const all = await drain(iterator!);
          assert.deepEqual(all.at(-1), { error: boom }, method);
        }
      });
    });

    test("one signal reused by many calls of every method: each call removes the abort listener it added", async () => {
      await withPool(Pool, {}, async (pool) => {
        const controller = new AbortController();
        const signal = controller.signal;
        let listeners = 0;
        const add = signal.addEventListener.bind(signal);
        const remove = signal.removeEventListener.bind(signal);
        signal.addEventListener = ((...args: Parameters<typeof add>) => {
          listeners++;
          add(...args);
        }) as typeof add;
        signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
          listeners--;
          remove(...args);
        }) as typeof remove;
        for (let i = 0; i < 5; i++) {
          await pool.apply(tasks.sqr, [i], { signal });
          await pool.map(tasks.sqr, [1, 2, 3, 4], { signal, chunkSize: 1 });
          await pool.starmapAsync(tasks.add, [[1, 2]], { signal }).get();
          for await (const _ of pool.imap(tasks.sqr, [1, 2, 3], { signal })) {
            // Read to the end.
          }
          for await (
            const _ of pool.imapUnordered(tasks.sqr, [1, 2], { signal })
          ) {
            break;
          }
          await outcome(
            pool.apply(tasks.throwError, ["x"], { signal }),
            "fail",
          );
        }
        await sleep(10);
        assert.equal(
          listeners,
          0,
          `${listeners} abort listeners left on the signal`,
        );
      });
    });

    test("a throwing callback or errorCallback fails only its own job; the pool goes on", async () => {
      await withPool(Pool, {}, async (pool) => {
        const thrown = Symbol("from callback");
        const fromCallback = pool.applyAsync(tasks.sqr, [2], {
          callback: () => {
            throw thrown;
          },
        });
        const fromErrorCallback = pool.mapAsync(tasks.throwError, ["x"], {
          errorCallback: () => {
            throw null;
          },
        });
        const fine = pool.starmapAsync(tasks.add, [[1, 2]], {
          callback: () => {},
        });
        assert.deepEqual(await outcome(fromCallback, "callback"), {
          ok: false,
          error: thrown,
        });
        assert.deepEqual(await outcome(fromErrorCallback, "errorCallback"), {
          ok: false,
          error: null,
        });
        assert.equal(fromCallback.successful(), false);
        assert.deepEqual(await fine.get(), [3]);
        assert.equal(await pool.apply(tasks.sqr, [5]), 25);
      });
    });
  });

  describe(`${Pool.name} async callbacks that reject`, () => {
    test(
      "an async callback or errorCallback that rejects fails its job, with no unhandled rejection",
      async () => {
        await withPool(Pool, {}, async (pool) => {
          const fromCallback = pool.applyAsync(tasks.sqr, [2], {
            callback: async () => {
              await sleep(1);
              throw new Error("async callback");
            },
          });
          const fromErrorCallback = pool.mapAsync(tasks.throwError, ["x"], {
            errorCallback: () =>
              Promise.reject(new Error("async errorCallback")),
          });
          const first = await outcome(fromCallback, "callback");
          assert.ok(
            !first.ok && (first.error as Error).message === "async callback",
          );
          const second = await outcome(fromErrorCallback, "errorCallback");
          assert.ok(
            !second.ok &&
              (second.error as Error).message === "async errorCallback",
          );
          assert.equal(await pool.apply(tasks.sqr, [5]), 25);
        });
      },
    );
  });

  describe(`${Pool.name} odd timeouts`, () => {
    test("get() and wait() with -1, 0, -Infinity time out at once on a pending result; Infinity waits", async () => {
      await withPool(Pool, {}, async (pool) => {
        const result = pool.applyAsync(tasks.sleepy, ["late", 150]);
        for (const ms of [-1, 0, -Infinity, 0.5]) {
          const got = await outcome(result.get(ms), `get(${ms})`);
          assert.ok(
            !got.ok && got.error instanceof TimeoutError,
            `get(${ms}): ${JSON.stringify(got)}`,
          );
          assert.equal(await result.wait(ms), false, `wait(${ms})`);
        }
        assert.equal(await result.wait(Infinity), true);
        for (const ms of [-1, 0, Infinity, 2 ** 53, Number.MAX_VALUE]) {
          assert.equal(await result.get(ms), "late", `get(${ms}) when ready`);
          assert.equal(await result.wait(ms), true, `wait(${ms}) when ready`);
        }
      });
    });

    test("get(), wait() and next() with NaN or a string are a TypeError", async () => {
      await withPool(Pool, {}, async (pool) => {
        const result = pool.applyAsync(tasks.sqr, [2]);
        const iterator = pool.imap(tasks.sqr, [1, 2]);
        const calls: [string, () => PromiseLike<unknown>][] = [
          ["get(NaN)", () => result.get(NaN)],
          ['get("5")', () => result.get("5" as unknown as number)],
          ["wait(NaN)", () => result.wait(NaN)],
          ['wait("5")', () => result.wait("5" as unknown as number)],
          ["next(NaN)", () => iterator.next(NaN)],
          ['next("5")', () => iterator.next("5" as unknown as number)],
        ];
        for (const [name, call] of calls) {
          let got: Outcome;
          try {
            got = await outcome(call(), name);
          } catch (error) {
            got = { ok: false, error };
          }
          assert.ok(
            !got.ok && got.error instanceof TypeError,
            `${name}: ${JSON.stringify(got)}`,
          );
        }
        assert.equal(await result.get(), 4);
        assert.deepEqual(await iterator.next(), { done: false, value: 1 });
      });
    });

    test("next() with -1 or 0 times out and leaves the iterator usable; next(Infinity) waits", async () => {
      await withPool(Pool, {}, async (pool) => {
        const iterator = pool.imap(tasks.scrambled, [5, 6]);
        for (const ms of [-1, 0, -Infinity]) {
          const got = await outcome(iterator.next(ms), `next(${ms})`);
          assert.ok(
            got.ok || got.error instanceof TimeoutError,
            `next(${ms}): ${JSON.stringify(got)}`,
          );
          if (got.ok) {
            assert.deepEqual(got.value, { done: false, value: 50 });
            return;
          }
        }
        const first = await outcome(iterator.next(Infinity), "next(Infinity)");
        assert.deepEqual(first, {
          ok: true,
          value: { done: false, value: 50 },
        });
        const second = await outcome(iterator.next(2 ** 40), "next(2 ** 40)");
        assert.deepEqual(second, {
          ok: true,
          value: { done: false, value: 60 },
        });
      });
    });

    test("many timed-out get() calls leave no waiter behind", async () => {
      const pool = make(Pool);
      try {
        const result = pool.applyAsync(tasks.sleepy, [1, 50]);
        const timeouts = await Promise.all(
          Array.from({ length: 200 }, () => result.wait(0)),
        );
        assert.ok(timeouts.every((ready) => ready === false));
        assert.equal(await result.get(), 1);
      } finally {
        await pool.terminate();
      }
    });
  });
}
