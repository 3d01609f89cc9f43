// AsyncResult on both pools: ready, successful, wait, get, then, callbacks.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { pools } from "./_pools.ts";
import { Probe, settlesWithin, tasks, withPool } from "./_helpers.ts";

for (const Pool of pools) {
  describe(`${Pool.name} AsyncResult`, () => {
    test("ready() is false while the task runs and true once it is done", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const result = pool.applyAsync(tasks.gated, [probe.item(0)]);
          await probe.waitStarted(1);
          assert.equal(result.ready(), false);
          probe.release();
          await result.wait();
          assert.equal(result.ready(), true);
        } finally {
          probe.release();
        }
      });
    });

    test("successful() throws Error while not ready, then tells success from failure", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const good = pool.applyAsync(tasks.gated, [probe.item(0)]);
          const bad = pool.applyAsync(tasks.gated, [probe.item(1, true)]);
          await probe.waitStarted(2);
          assert.throws(() => good.successful(), Error);
          assert.throws(() => bad.successful(), Error);
          probe.release();
          await good.wait();
          await bad.wait();
          assert.equal(good.successful(), true);
          assert.equal(bad.successful(), false);
        } finally {
          probe.release();
        }
      });
    });

    test("wait(timeout) resolves false on timeout and true once ready", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const result = pool.applyAsync(tasks.gated, [probe.item(0)]);
          assert.equal(await result.wait(30), false);
          assert.equal(await result.wait(0), false);
          assert.equal(result.ready(), false);
          probe.release();
          assert.equal(await result.wait(5000), true);
          assert.equal(await result.wait(0), true);
          assert.equal(await result.wait(), true);
        } finally {
          probe.release();
        }
      });
    });

    test("wait() never rejects, even when the task fails", async () => {
      await withPool(Pool, {}, async (pool) => {
        const result = pool.applyAsync(tasks.throwError, ["failed"]);
        assert.equal(await result.wait(), true);
        assert.equal(await result.wait(10), true);
        assert.equal(result.successful(), false);
        await assert.rejects(result.get(), { message: "failed" });
      });
    });

    test("get(timeout) rejects with TimeoutError and get() may be called again", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const result = pool.applyAsync(tasks.gated, [probe.item(7)]);
          await assert.rejects(result.get(30), (error) => {
            assert.ok(error instanceof TimeoutError);
            assert.equal(error.name, "TimeoutError");
            return true;
          });
          await assert.rejects(result.get(0), TimeoutError);
          assert.equal(result.ready(), false);
          probe.release();
          assert.equal(await result.get(5000), 7);
          assert.equal(await result.get(), 7);
          assert.equal(await result.get(0), 7);
        } finally {
          probe.release();
        }
      });
    });

    test("get(timeout) timing out does not cancel the task", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const result = pool.applyAsync(tasks.gated, [probe.item(0)]);
          await assert.rejects(result.get(20), TimeoutError);
          probe.release();
          assert.equal(await result.get(), 0);
          assert.equal(probe.finished, 1);
        } finally {
          probe.release();
        }
      });
    });

    test("get() rejects with the task's error every time it is called", async () => {
      await withPool(Pool, {}, async (pool) => {
        const result = pool.applyAsync(tasks.throwRangeError, ["out of range"]);
        await assert.rejects(result.get(), {
          name: "RangeError",
          message: "out of range",
        });
        await assert.rejects(result.get(), {
          name: "RangeError",
          message: "out of range",
        });
        await assert.rejects(result.get(10), RangeError);
      });
    });

    test("several get() calls waiting at once all receive the value", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const result = pool.applyAsync(tasks.gated, [probe.item(3)]);
          const waiting = [
            result.get(),
            result.get(5000),
            result.wait(),
            result.then((v) => v),
          ];
          probe.release();
          assert.deepEqual(await Promise.all(waiting), [3, 3, true, 3]);
        } finally {
          probe.release();
        }
      });
    });

    test("an AsyncResult is thenable: await and then() give the value or the error", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.applyAsync(tasks.sqr, [4]), 16);
        const doubled = await pool.applyAsync(tasks.sqr, [3]).then((value) =>
          (value as number) * 2
        );
        assert.equal(doubled, 18);
        const caught = await pool.applyAsync(tasks.throwError, ["no"]).then(
          () => "resolved",
          (error: unknown) => (error as Error).message,
        );
        assert.equal(caught, "no");
        await assert.rejects(
          Promise.resolve(pool.mapAsync(tasks.sqrNonNegative, [-1])),
          RangeError,
        );
      });
    });
  });

  describe(`${Pool.name} callbacks`, () => {
    test("callback runs before the result is ready and before get() settles", async () => {
      await withPool(Pool, {}, async (pool) => {
        const events: string[] = [];
        let readyInCallback: boolean | undefined;
        const result = pool.applyAsync(tasks.sqr, [3], {
          callback: (value) => {
            readyInCallback = result.ready();
            events.push(`callback ${value}`);
          },
        });
        const value = await result.get();
        events.push(`get ${value}`);
        assert.deepEqual(events, ["callback 9", "get 9"]);
        assert.equal(readyInCallback, false);
      });
    });

    test("applyAsync() and mapAsync() return before their callbacks run, even for sync tasks", async () => {
      await withPool(Pool, {}, async (pool) => {
        const events: string[] = [];
        const single = pool.applyAsync(tasks.sqr, [2], {
          callback: () => events.push("apply callback"),
        });
        const list = pool.mapAsync(tasks.sqr, [], {
          callback: () => events.push("map callback"),
        });
        const failing = pool.applyAsync(tasks.throwError, ["x"], {
          errorCallback: () => events.push("errorCallback"),
        });
        events.push("returned");
        await Promise.allSettled([single.get(), list.get(), failing.get()]);
        assert.equal(events[0], "returned");
        assert.deepEqual(events.slice(1).sort(), [
          "apply callback",
          "errorCallback",
          "map callback",
        ]);
      });
    });

    test("errorCallback gets the error before get() rejects; callback is not called", async () => {
      await withPool(Pool, {}, async (pool) => {
        const events: string[] = [];
        const result = pool.applyAsync(tasks.throwCustom, ["bad", "E_BAD"], {
          callback: () => events.push("callback"),
          errorCallback: (error) =>
            events.push(`errorCallback ${(error as { code: string }).code}`),
        });
        await assert.rejects(result.get(), {
          name: "CustomError",
          code: "E_BAD",
        });
        events.push("rejected");
        assert.deepEqual(events, ["errorCallback E_BAD", "rejected"]);
      });
    });

    test("mapAsync errorCallback is called once with the error", async () => {
      await withPool(Pool, {}, async (pool) => {
        const errors: unknown[] = [];
        const result = pool.mapAsync(tasks.sqrNonNegative, [1, -2, 3, -4], {
          chunkSize: 1,
          errorCallback: (error) => errors.push(error),
        });
        await assert.rejects(result.get(), RangeError);
        pool.close();
        await pool.join();
        assert.equal(errors.length, 1);
        assert.ok(errors[0] instanceof RangeError);
      });
    });

    test("a throwing callback fails only its own job and the pool goes on", async () => {
      await withPool(Pool, {}, async (pool) => {
        const oops = new Error("callback broke");
        const failing = pool.applyAsync(tasks.sqr, [2], {
          callback: () => {
            throw oops;
          },
        });
        const other = pool.applyAsync(tasks.sqr, [5]);
        await assert.rejects(failing.get(), (error) => error === oops);
        assert.equal(failing.successful(), false);
        assert.equal(await other.get(), 25);
        assert.deepEqual(await pool.map(tasks.sqr, [1, 2]), [1, 4]);
      });
    });

    test("a throwing errorCallback fails its job with the thrown error and the pool goes on", async () => {
      await withPool(Pool, {}, async (pool) => {
        const oops = new Error("errorCallback broke");
        const failing = pool.applyAsync(tasks.throwError, ["task failed"], {
          errorCallback: () => {
            throw oops;
          },
        });
        await assert.rejects(failing.get(), (error) => error === oops);
        assert.equal(await pool.apply(tasks.sqr, [6]), 36);
      });
    });

    test("a throwing mapAsync callback fails that job and the pool goes on", async () => {
      await withPool(Pool, {}, async (pool) => {
        const oops = new TypeError("list callback broke");
        const failing = pool.mapAsync(tasks.sqr, [1, 2], {
          callback: () => {
            throw oops;
          },
        });
        await assert.rejects(failing.get(), (error) => error === oops);
        assert.deepEqual(await pool.starmapAsync(tasks.add, [[1, 2]]).get(), [
          3,
        ]);
      });
    });

    test("join() waits for the callbacks of every job", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const called: number[] = [];
          for (let i = 0; i < 3; i++) {
            pool.applyAsync(tasks.gated, [probe.item(i)], {
              callback: (value) => called.push(value as number),
            });
          }
          pool.close();
          const joined = pool.join();
          assert.equal(await settlesWithin(joined, 20), false);
          probe.release();
          await joined;
          assert.deepEqual(called.sort(), [0, 1, 2]);
        } finally {
          probe.release();
        }
      });
    });
  });
}
