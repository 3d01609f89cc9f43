// Adversarial suite, part 2: hostile values (thrown non-errors, errors whose
// properties throw, odd arguments and results), hostile iterables and
// callbacks, odd timeouts, on both pools. Each call must settle and the pool
// must go on; what settles is checked against API.md.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { pools } from "./_pools.ts";
import { make, tasks, withPool } from "./_helpers.ts";
import { type Outcome, outcome, sleep } from "./_adversary.ts";

/** Every outcome of an iterator, errors as `{ error }`; fails on a hang. */
async function drain(iterator: AsyncIterator<unknown>): Promise<unknown[]> {
  const all: unknown[] = [];
  for (let n = 0; n < 1000; n++) {
    const step = await outcome(iterator.next(), `next() #${n}`);
    if (!step.ok) all.push({ error: step.error });
    else if ((step.value as IteratorResult<unknown>).done) return all;
    else all.push((step.value as IteratorResult<unknown>).value);
  }
  throw new Error("the iterator never ended");
}

// Pool: toWire() in src/_protocol.ts promises never to throw, but its
// isError() (`instanceof`) throws on a revoked Proxy or a Proxy whose traps
// throw, and the worker then fails the whole chunk with that TypeError.
const REVOKED =
  "KNOWN DEFECT: Pool fails the thrower's whole chunk with the TypeError from isError() in src/_protocol.ts";

// Tasks that throw something hostile for item 1 and return x otherwise. Each
// is self-contained: Pool sends them by source.
const throwers: [string, (x: number) => unknown, string?][] = [
  ["null", (x) => {
    if (x !== 1) return x;
    throw null;
  }],
  ["undefined", (x) => {
    if (x !== 1) return x;
    throw undefined;
  }],
  ["a symbol", (x) => {
    if (x !== 1) return x;
    throw Symbol("thrown");
  }],
  ["a function", (x) => {
    if (x !== 1) return x;
    throw () => 1;
  }],
  ["a Proxy", (x) => {
    if (x !== 1) return x;
    throw new Proxy({ a: 1 }, {});
  }],
  ["a revoked Proxy", (x) => {
    if (x !== 1) return x;
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    throw proxy;
  }, REVOKED],
  [
    "a Proxy whose every trap throws",
    (x) => {
      if (x !== 1) return x;
      const trap = (): never => {
        throw new Error("trap");
      };
      throw new Proxy(new Error("p"), {
        get: trap,
        getOwnPropertyDescriptor: trap,
        ownKeys: trap,
        getPrototypeOf: trap,
        has: trap,
      });
    },
    REVOKED,
  ],
  [
    "an object with throwing getters",
    (x) => {
      if (x !== 1) return x;
      throw {
        get message(): string {
          throw new Error("message getter");
        },
        get name(): string {
          throw new Error("name getter");
        },
        [Symbol.toPrimitive](): never {
          throw new Error("toPrimitive");
        },
      };
    },
  ],
  ["an error whose name, message, stack and cause getters throw", (x) => {
    if (x !== 1) return x;
    const error = new Error("hidden");
    for (const key of ["name", "message", "stack", "cause"]) {
      Object.defineProperty(error, key, {
        enumerable: key === "cause",
        get(): never {
          throw new Error(`${key} getter`);
        },
      });
    }
    throw error;
  }],
  ["an error with a cyclic cause", (x) => {
    if (x !== 1) return x;
    const a = new Error("a") as Error & { cause?: unknown };
    const b = new Error("b", { cause: a });
    a.cause = b;
    throw a;
  }],
  ["an AggregateError with hostile members", (x) => {
    if (x !== 1) return x;
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    throw new AggregateError(
      [Symbol("s"), () => 1, proxy, new Error("fine"), null],
      "many",
    );
  }, REVOKED],
  [
    "a thenable whose then() throws",
    (x) => {
      if (x !== 1) return x;
      return {
        then(): never {
          throw new Error("then");
        },
      };
    },
  ],
];

for (const Pool of pools) {
  describe(`${Pool.name} hostile thrown values`, () => {
    for (const [name, thrower, poolDefect] of throwers) {
      const defect = Pool.name === "Pool" ? poolDefect : undefined;
      test(
        `a task that throws ${name} fails alone; its chunk's others complete${
          defect ? ` (skipped: ${defect})` : ""
        }`,
        { skip: defect ?? false },
        async () => {
          await withPool(Pool, {}, async (pool) => {
            const alone = await outcome(pool.apply(thrower, [1]), "apply");
            assert.equal(alone.ok, false, `apply fulfilled: ${String(alone)}`);
            const all = await drain(pool.imap(thrower, [0, 1, 2], 3));
            assert.equal(all.length, 3);
            assert.equal(all[0], 0);
            assert.equal(all[2], 2);
            assert.ok(
              typeof all[1] === "object" && all[1] !== null &&
                "error" in all[1],
            );
            const mapped = await outcome(
              pool.map(thrower, [0, 1, 2], 3),
              "map",
            );
            assert.equal(mapped.ok, false);
            assert.deepEqual(await pool.map(tasks.sqr, [1, 2, 3]), [1, 4, 9]);
          });
        },
      );
    }

    test("thrown null and undefined reach the caller unchanged", async () => {
      await withPool(Pool, {}, async (pool) => {
        const none = await outcome(pool.apply(throwers[0][1], [1]), "null");
        assert.deepEqual(none, { ok: false, error: null });
        const undef = await outcome(pool.apply(throwers[1][1], [1]), "undef");
        assert.deepEqual(undef, { ok: false, error: undefined });
      });
    });

    test("an error with a cyclic cause keeps its message and a cause chain", async () => {
      await withPool(Pool, {}, async (pool) => {
        const result = await outcome(pool.apply(throwers[9][1], [1]), "cyclic");
        assert.ok(!result.ok);
        const error = result.error as Error;
        assert.equal(error.message, "a");
        assert.equal((error.cause as Error).message, "b");
      });
    });
  });

  describe(`${Pool.name} hostile arguments and results`, () => {
    test("BigInt, Map, Set, Date, typed arrays, RegExp and cycles round-trip as arguments and results", async () => {
      const cyclic: Record<string, unknown> = { name: "loop" };
      cyclic.self = cyclic;
      const values: unknown[] = [
        2n ** 100n,
        -0,
        NaN,
        new Map<unknown, unknown>([[1, "a"], ["b", new Set([1n])]]),
        new Set([1, "x", null]),
        new Date(0),
        new Uint8Array([1, 2, 3]),
        new Float64Array([Infinity, -Infinity]),
        new DataView(new ArrayBuffer(4)),
        /re+g/gi,
        cyclic,
        [1, , 3],
        { nested: { deeper: [new Map(), new Set()] } },
        "\u0000\uD800",
      ];
      await withPool(Pool, {}, async (pool) => {
        for (const [i, value] of values.entries()) {
          const result = await outcome(
            pool.apply(tasks.identity, [value]),
            `#${i}`,
          );
          assert.ok(result.ok, `#${i}: ${String(!result.ok && result.error)}`);
          assert.deepEqual(result.value, value, `value #${i}`);
        }
        const mapped = await outcome(
          pool.map(tasks.identity, values, 4),
          "map",
        );
        assert.ok(mapped.ok);
        assert.deepEqual(mapped.value, values);
      });
    });

    test("map() over a sparse array reads its holes as undefined", async () => {
      await withPool(Pool, {}, async (pool) => {
        // deno-lint-ignore no-sparse-arrays
        const sparse = [1, , 3, , , 6];
        const result = await pool.map(tasks.identity, sparse, 2);
        assert.equal(result.length, 6);
        assert.deepEqual([...result], [
          1,
          undefined,
          3,
          undefined,
          undefined,
          6,
        ]);
        const many = new Array(10);
        many[9] = 9;
        assert.deepEqual(await pool.map(tasks.identity, many), [...many]);
      });
    });

    test("a very large input and a very large argument complete", async () => {
      await withPool(Pool, {}, async (pool) => {
        const n = 200_000;
        const input = Array.from({ length: n }, (_, i) => i % 1000);
        const result = await outcome(pool.map(tasks.sqr, input), "map");
        assert.ok(result.ok);
        const values = result.value as number[];
        assert.equal(values.length, n);
        assert.equal(values[n - 1], 999 * 999);
        const big = new Array(1_000_000).fill(7);
        const echoed = await pool.apply(tasks.identity, [big]);
        assert.equal((echoed as number[]).length, big.length);
      });
    });
  });

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
