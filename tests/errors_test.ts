// How a task's errors reach the caller, on both pools.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pools } from "./_pools.ts";
import { tasks, withPool } from "./_helpers.ts";

for (const Pool of pools) {
  describe(`${Pool.name} task errors`, () => {
    test("apply() rejects with the task's Error, keeping name and message", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.apply(tasks.throwError, ["plain failure"]),
          (error) => {
            assert.ok(error instanceof Error);
            assert.equal(error.name, "Error");
            assert.equal(error.message, "plain failure");
            return true;
          },
        );
      });
    });

    test("a TypeError comes back as a TypeError", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.apply(tasks.throwTypeError, ["wrong type"]),
          (error) => {
            assert.ok(error instanceof TypeError, String(error));
            assert.equal(error.name, "TypeError");
            assert.equal(error.message, "wrong type");
            return true;
          },
        );
      });
    });

    test("a RangeError comes back as a RangeError", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.apply(tasks.throwRangeError, ["too far"]),
          (error) => {
            assert.ok(error instanceof RangeError, String(error));
            assert.equal(error.message, "too far");
            return true;
          },
        );
      });
    });

    test("a built-in error raised by the runtime comes back as its class", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.apply((n: number) => new Array(n), [-1]),
          RangeError,
        );
        await assert.rejects(
          pool.apply(() => (null as unknown as { x: number }).x),
          TypeError,
        );
      });
    });

    test("a custom error keeps its name, message and own code property", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.apply(tasks.throwCustom, ["custom failure", "E_CUSTOM"]),
          (error) => {
            assert.ok(error instanceof Error);
            assert.equal((error as Error).name, "CustomError");
            assert.equal((error as Error).message, "custom failure");
            assert.equal((error as { code?: string }).code, "E_CUSTOM");
            assert.ok(Object.hasOwn(error as object, "code"));
            return true;
          },
        );
      });
    });

    test("an error keeps a stack that names the failing function", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.apply(tasks.throwCustom, ["with stack", "E_STACK"]),
          (error) => {
            const stack = String((error as Error).stack);
            assert.ok(stack.includes("throwCustom"), stack);
            return true;
          },
        );
      });
    });

    test("an async task's rejection reaches the caller", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(pool.apply(tasks.rejectAsync, ["async failure"]), {
          name: "Error",
          message: "async failure",
        });
      });
    });

    test("a task's error reaches applyAsync().get(), map(), starmap() and imap()", async () => {
      await withPool(Pool, {}, async (pool) => {
        const expected = {
          name: "CustomError",
          message: "everywhere",
          code: "E_ALL",
        };
        await assert.rejects(
          pool.applyAsync(tasks.throwCustom, ["everywhere", "E_ALL"]).get(),
          expected,
        );
        await assert.rejects(
          pool.starmap(tasks.throwCustom, [["everywhere", "E_ALL"]]),
          expected,
        );
        await assert.rejects(
          pool.starmapAsync(tasks.throwCustom, [["everywhere", "E_ALL"]]).get(),
          expected,
        );
        await assert.rejects(pool.map(tasks.rejectAsync, ["everywhere"]), {
          message: "everywhere",
        });
        await assert.rejects(
          pool.mapAsync(tasks.throwError, ["everywhere"]).get(),
          { message: "everywhere" },
        );
        await assert.rejects(
          pool.imap(tasks.throwTypeError, ["everywhere"]).next(),
          TypeError,
        );
        await assert.rejects(
          pool.imapUnordered(tasks.throwRangeError, ["everywhere"]).next(),
          RangeError,
        );
      });
    });

    test("a thrown non-Error value reaches the caller unchanged", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.apply(() => {
            throw "plain string";
          }),
          (error) => error === "plain string",
        );
        await assert.rejects(
          pool.apply(() => {
            throw 42;
          }),
          (error) => error === 42,
        );
        await assert.rejects(
          pool.apply(() => Promise.reject({ code: "E_OBJ", n: 1 })),
          (error) => {
            assert.deepEqual(error, { code: "E_OBJ", n: 1 });
            return true;
          },
        );
      });
    });

    test("a failing task does not affect other tasks running beside it", async () => {
      await withPool(Pool, {}, async (pool) => {
        const results = await Promise.allSettled([
          pool.apply(tasks.sleepy, ["a", 10]),
          pool.apply(tasks.throwError, ["b"]),
          pool.apply(tasks.sleepy, ["c", 5]),
          pool.map(tasks.sqr, [1, 2, 3]),
        ]);
        assert.deepEqual(results.map((r) => r.status), [
          "fulfilled",
          "rejected",
          "fulfilled",
          "fulfilled",
        ]);
        assert.deepEqual(
          (results[3] as PromiseFulfilledResult<number[]>).value,
          [1, 4, 9],
        );
      });
    });

    test("a task error leaves the pool running", async () => {
      await withPool(Pool, { processes: 1 }, async (pool) => {
        for (let i = 0; i < 3; i++) {
          await assert.rejects(pool.apply(tasks.throwError, [`failure ${i}`]), {
            message: `failure ${i}`,
          });
        }
        assert.equal(pool.state, "running");
        assert.equal(await pool.apply(tasks.sqr, [11]), 121);
      });
    });

    test("map() rejects with the error of the failing item even with chunkSize 5", async () => {
      await withPool(Pool, {}, async (pool) => {
        await assert.rejects(
          pool.map(tasks.sqrNonNegative, [1, 2, 3, -4, 5, 6], 5),
          {
            name: "RangeError",
            message: "negative: -4",
          },
        );
      });
    });
  });
}
