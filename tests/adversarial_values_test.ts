// Adversarial suite: hostile values on both pools: thrown non-errors, errors
// whose properties throw, structured-clone edge cases as arguments and
// results, sparse and very large inputs. Each call must settle and the pool
// must go on; what settles is checked against API.md.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WorkerCrashedError } from "../mod.ts";
import { pools } from "./_pools.ts";
import { tasks, withPool } from "./_helpers.ts";
import { drain, outcome } from "./_adversary.ts";

// Tasks that return something that throws when inspected, for item 1.
const inspectedResults: [string, (x: number) => unknown][] = [
  ["an object whose `then` getter throws", (x) => {
    if (x !== 1) return x;
    return {
      get then(): never {
        throw new Error("then getter");
      },
    };
  }],
  ["a revoked Proxy", (x) => {
    if (x !== 1) return x;
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  }],
];

// Tasks that throw something hostile for item 1 and return x otherwise. Each
// is self-contained: Pool sends them by source.
const throwers: [string, (x: number) => unknown][] = [
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
  }],
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
  }],
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
    for (const [name, thrower] of throwers) {
      test(`a task that throws ${name} fails alone; its chunk's others complete`, async () => {
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
      });
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

  describe(`${Pool.name} results that throw when inspected`, () => {
    for (const [name, task] of inspectedResults) {
      test(
        `a task returning ${name} fails alone; its chunk's others complete`,
        async () => {
          await withPool(Pool, {}, async (pool) => {
            const all = await drain(pool.imap(task, [0, 1, 2], 3));
            assert.equal(all.length, 3);
            assert.equal(all[0], 0);
            assert.equal(all[2], 2);
            const { error } = all[1] as { error: unknown };
            assert.ok(!(error instanceof WorkerCrashedError), String(error));
            assert.deepEqual(await pool.map(tasks.sqr, [1, 2]), [1, 4]);
          });
        },
      );
    }
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
}
