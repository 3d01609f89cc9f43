// Bad arguments throw TypeError/RangeError synchronously, naming the parameter and its value.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool as WorkerPool } from "../mod.ts";
import { pools } from "./_pools.ts";
import type { AnyPool } from "./_pools.ts";
import { make, Probe, tasks, tasksUrl, withPool } from "./_helpers.ts";

type ErrorClass = typeof TypeError | typeof RangeError;

/** Asserts `call` throws `Class` synchronously with a message naming `parameter` and showing `shown`. */
function throwsNaming(
  call: () => unknown,
  Class: ErrorClass,
  parameter: string,
  shown: string,
): void {
  assert.throws(call, (error: unknown) => {
    assert.ok(error instanceof Class, `expected ${Class.name}, got ${error}`);
    assert.equal(
      error.constructor,
      Class,
      `expected exactly ${Class.name}, got ${error.name}`,
    );
    assert.ok(
      error.message.includes(parameter),
      `message does not name '${parameter}': ${error.message}`,
    );
    assert.ok(
      error.message.includes(shown),
      `message does not show ${shown}: ${error.message}`,
    );
    return true;
  });
}

// deno-lint-ignore no-explicit-any
type Loose = any;

for (const Pool of pools) {
  describe(`${Pool.name} constructor validation`, () => {
    const bad: [unknown, ErrorClass, string][] = [
      [0, RangeError, "0"],
      [-1, RangeError, "-1"],
      [1.5, RangeError, "1.5"],
      [Number.NaN, RangeError, "NaN"],
      [Infinity, RangeError, "Infinity"],
      ["2", TypeError, '"2"'],
    ];
    for (const [value, Class, shown] of bad) {
      test(`processes ${typeof value === "string" ? JSON.stringify(value) : String(value)} throws ${Class.name} naming 'processes'`, () => {
        throwsNaming(
          () => new Pool({ processes: value as number }),
          Class,
          "processes",
          shown,
        );
        if (typeof value === "number") {
          throwsNaming(() => new Pool(value), Class, "processes", shown);
        }
      });
    }

    for (
      const [value, Class, shown] of [
        [0, RangeError, "0"],
        [-2, RangeError, "-2"],
        [2.5, RangeError, "2.5"],
        ["3", TypeError, '"3"'],
      ] as [unknown, ErrorClass, string][]
    ) {
      test(`maxTasksPerChild ${JSON.stringify(value)} throws ${Class.name} naming 'maxTasksPerChild'`, () => {
        throwsNaming(
          () => new Pool({ processes: 1, maxTasksPerChild: value as number }),
          Class,
          "maxTasksPerChild",
          shown,
        );
      });
    }

    test("a string for options shows it quoted, not as a number", () => {
      throwsNaming(
        () => new Pool("4" as unknown as number),
        TypeError,
        "options",
        '"4"',
      );
    });

    test("initArgs that is not an array throws TypeError naming 'initArgs'", () => {
      throwsNaming(
        () =>
          new Pool({
            processes: 1,
            initializer: tasks.setInit,
            initArgs: "abc" as unknown as unknown[],
          }),
        TypeError,
        "initArgs",
        "abc",
      );
    });

    test("an initializer that is neither a function nor a string throws TypeError naming 'initializer'", () => {
      throwsNaming(
        () =>
          new Pool({
            processes: 1,
            initializer: 42 as unknown as string,
            module: tasksUrl,
          }),
        TypeError,
        "initializer",
        "42",
      );
    });
  });

  describe(`${Pool.name} call validation`, () => {
    const methods = [
      "map",
      "mapAsync",
      "starmap",
      "starmapAsync",
      "imap",
      "imapUnordered",
    ] as const;
    const inputFor = (name: string): unknown[] =>
      name.startsWith("star") ? [[1, 2]] : [1];
    const fnFor = (name: string): (...args: number[]) => number =>
      name.startsWith("star") ? tasks.add : tasks.sqr;
    const call = (pool: AnyPool, name: string, ...args: unknown[]): unknown =>
      (pool as Loose)[name](...args);

    for (const name of methods) {
      test(`${name}() with chunkSize 0, -1 or 1.5 throws RangeError naming 'chunkSize'`, async () => {
        await withPool(Pool, {}, (pool) => {
          for (const chunkSize of [0, -1, 1.5]) {
            throwsNaming(
              () =>
                call(pool, name, fnFor(name), inputFor(name), { chunkSize }),
              RangeError,
              "chunkSize",
              String(chunkSize),
            );
            throwsNaming(
              () => call(pool, name, fnFor(name), inputFor(name), chunkSize),
              RangeError,
              "chunkSize",
              String(chunkSize),
            );
          }
        });
      });

      test(`${name}() with a non-iterable input throws TypeError naming 'iterable'`, async () => {
        await withPool(Pool, {}, (pool) => {
          throwsNaming(
            () => call(pool, name, fnFor(name), 5),
            TypeError,
            "iterable",
            "5",
          );
          assert.throws(() => call(pool, name, fnFor(name), null), TypeError);
          assert.throws(
            () => call(pool, name, fnFor(name), undefined),
            TypeError,
          );
          assert.throws(
            () => call(pool, name, fnFor(name), { length: 1, 0: 1 }),
            TypeError,
          );
        });
      });

      test(`${name}() with a task that is neither a function nor a string throws TypeError naming 'fn'`, async () => {
        await withPool(Pool, {}, (pool) => {
          throwsNaming(
            () => call(pool, name, 42, inputFor(name)),
            TypeError,
            "fn",
            "42",
          );
          assert.throws(
            () => call(pool, name, null, inputFor(name)),
            TypeError,
          );
          assert.throws(() => call(pool, name, {}, inputFor(name)), TypeError);
        });
      });
    }

    for (const name of ["imap", "imapUnordered"] as const) {
      test(`${name}() with bufferSize 0 or 1.5 throws RangeError naming 'bufferSize'`, async () => {
        await withPool(Pool, {}, (pool) => {
          for (const bufferSize of [0, 1.5, -3]) {
            throwsNaming(
              () => call(pool, name, tasks.sqr, [1], { bufferSize }),
              RangeError,
              "bufferSize",
              String(bufferSize),
            );
          }
        });
      });
    }

    for (const name of ["apply", "applyAsync"] as const) {
      test(`${name}() with a task that is neither a function nor a string throws TypeError naming 'fn'`, async () => {
        await withPool(Pool, {}, (pool) => {
          throwsNaming(() => call(pool, name, 42, [1]), TypeError, "fn", "42");
          assert.throws(() => call(pool, name, undefined, [1]), TypeError);
        });
      });

      test(`${name}() with args that are not an array throws TypeError naming 'args'`, async () => {
        await withPool(Pool, {}, (pool) => {
          throwsNaming(
            () => call(pool, name, tasks.sqr, 5),
            TypeError,
            "args",
            "5",
          );
          assert.throws(() => call(pool, name, tasks.sqr, "ab"), TypeError);
          assert.throws(
            () => call(pool, name, tasks.sqr, { 0: 1, length: 1 }),
            TypeError,
          );
        });
      });
    }

    test("bad arguments start nothing and leave the pool running", async () => {
      const probe = new Probe();
      const pool = make(Pool);
      try {
        assert.throws(
          () => pool.map(tasks.gated, probe.items(3), { chunkSize: 0 }),
          RangeError,
        );
        assert.throws(
          () => pool.imap(tasks.gated, probe.items(3), { bufferSize: 0 }),
          RangeError,
        );
        assert.throws(
          () => call(pool, "apply", tasks.gated, probe.item(0)),
          TypeError,
        );
        assert.equal(pool.state, "running");
        assert.deepEqual(await pool.map(tasks.sqr, [1, 2]), [1, 4]);
        pool.close();
        await pool.join();
        assert.equal(probe.started, 0);
      } finally {
        await pool.terminate();
      }
    });

    test("get(), wait() and next() throw TypeError at once for a timeout that is not a number", async () => {
      await withPool(Pool, {}, async (pool) => {
        const result = pool.applyAsync(tasks.sqr, [3]);
        throwsNaming(
          () => result.get("soon" as Loose),
          TypeError,
          "timeout",
          '"soon"',
        );
        throwsNaming(
          () => result.wait("soon" as Loose),
          TypeError,
          "timeout",
          '"soon"',
        );
        const iterator = pool.imap(tasks.sqr, [1]);
        throwsNaming(
          () => iterator.next("soon" as Loose),
          TypeError,
          "timeout",
          '"soon"',
        );
        assert.equal(await result.get(), 9);
        assert.deepEqual(await iterator.next(), { done: false, value: 1 });
      });
    });

    test("chunkSize and bufferSize of 1 are accepted", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.deepEqual(
          await pool.map(tasks.sqr, [1, 2, 3], { chunkSize: 1 }),
          [1, 4, 9],
        );
        const values: number[] = [];
        for await (
          const value of pool.imap(tasks.sqr, [1, 2, 3], {
            chunkSize: 1,
            bufferSize: 1,
          })
        ) values.push(value);
        assert.deepEqual(values, [1, 4, 9]);
      });
    });
  });
}

describe("Pool adapter validation", () => {
  for (const adapter of [{}, { spawn: 1 }, null, "node", 4]) {
    test(`adapter ${JSON.stringify(adapter)} throws TypeError naming 'adapter' in the constructor`, () => {
      assert.throws(
        () => new WorkerPool({ processes: 1, adapter: adapter as never }),
        {
          name: "TypeError",
          message: /^Cannot create pool as 'adapter' must be a WorkerAdapter/,
        },
      );
    });
  }
});
