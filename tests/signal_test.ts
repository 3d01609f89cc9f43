// AbortSignal on every call of both pools.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ThreadPool } from "../mod.ts";
import { pools } from "./_pools.ts";
import { make, Probe, tasks, withPool } from "./_helpers.ts";

for (const Pool of pools) {
  describe(`${Pool.name} AbortSignal`, () => {
    test("an already aborted signal rejects every call with signal.reason, without throwing", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        const reason = new Error("stop before start");
        const signal = AbortSignal.abort(reason);
        const isReason = (error: unknown): boolean => error === reason;
        await assert.rejects(
          pool.apply(tasks.gated, [probe.item(0)], { signal }),
          isReason,
        );
        await assert.rejects(
          pool.applyAsync(tasks.gated, [probe.item(1)], { signal }).get(),
          isReason,
        );
        await assert.rejects(
          pool.map(tasks.gated, probe.items(2), { signal }),
          isReason,
        );
        await assert.rejects(
          pool.mapAsync(tasks.gated, probe.items(2), { signal }).get(),
          isReason,
        );
        await assert.rejects(
          pool.starmap(tasks.gatedStar, [[0, probe.sab]], { signal }),
          isReason,
        );
        await assert.rejects(
          pool.starmapAsync(tasks.gatedStar, [[0, probe.sab]], { signal })
            .get(),
          isReason,
        );
        await assert.rejects(
          pool.imap(tasks.gated, probe.items(2), { signal }).next(),
          isReason,
        );
        await assert.rejects(
          pool.imapUnordered(tasks.gated, probe.items(2), { signal }).next(),
          isReason,
        );
        pool.close();
        await pool.join();
        assert.equal(probe.started, 0, "an aborted call started a task");
      });
    });

    test("an already aborted signal with the default reason rejects with that AbortError", async () => {
      await withPool(Pool, {}, async (pool) => {
        const signal = AbortSignal.abort();
        await assert.rejects(
          pool.apply(tasks.sqr, [1], { signal }),
          (error) => {
            assert.equal(error, signal.reason);
            assert.equal((error as Error).name, "AbortError");
            return true;
          },
        );
      });
    });

    test("aborting a running apply() rejects it with signal.reason and the pool keeps working", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const controller = new AbortController();
          const reason = new Error("stop now");
          const applied = pool.apply(tasks.gated, [probe.item(0)], {
            signal: controller.signal,
          });
          await probe.waitStarted(1);
          controller.abort(reason);
          await assert.rejects(applied, (error) => error === reason);
          probe.release();
          assert.equal(await pool.apply(tasks.sqr, [3]), 9);
          assert.deepEqual(await pool.map(tasks.sqr, [1, 2, 3, 4]), [
            1,
            4,
            9,
            16,
          ]);
        } finally {
          probe.release();
        }
      });
    });

    test("aborting a map() mid-way rejects it with signal.reason and drops its queued items", async () => {
      const probe = new Probe();
      const pool = make(Pool, { processes: 2 });
      try {
        const controller = new AbortController();
        const reason = new Error("map aborted");
        const mapped = pool.map(tasks.gated, probe.items(10), {
          chunkSize: 1,
          signal: controller.signal,
        });
        await probe.waitStarted(2);
        controller.abort(reason);
        await assert.rejects(mapped, (error) => error === reason);
        probe.release();
        assert.deepEqual(await pool.map(tasks.sqr, [5, 6]), [25, 36]);
        pool.close();
        await pool.join();
        assert.ok(
          probe.started <= 2,
          `${probe.started} items started after abort`,
        );
      } finally {
        probe.release();
        await pool.terminate();
      }
    });

    test("aborting a map() while it reads an AsyncIterable rejects it with signal.reason", async () => {
      await withPool(Pool, {}, async (pool) => {
        const controller = new AbortController();
        const reason = new Error("aborted while reading");
        let release!: () => void;
        const stuck = new Promise<void>((resolve) => release = resolve);
        async function* input(): AsyncGenerator<number> {
          yield 1;
          await stuck;
          yield 2;
        }
        const mapped = pool.map(tasks.sqr, input(), {
          signal: controller.signal,
        });
        controller.abort(reason);
        try {
          await assert.rejects(mapped, (error) => error === reason);
        } finally {
          release();
        }
        assert.deepEqual(await pool.map(tasks.sqr, [3]), [9]);
      });
    });

    test("an already-aborted call fires its errorCallback only after the call has returned", async () => {
      await withPool(Pool, {}, async (pool) => {
        const controller = new AbortController();
        const reason = new Error("aborted before the call");
        controller.abort(reason);
        const order: string[] = [];
        const result = pool.mapAsync(tasks.sqr, [1, 2], {
          signal: controller.signal,
          errorCallback: (error) =>
            order.push(error === reason ? "errorCallback" : `${error}`),
        });
        order.push("returned");
        assert.equal(await result.wait(5000), true);
        assert.deepEqual(order, ["returned", "errorCallback"]);
        await assert.rejects(result.get(), (error) => error === reason);
      });
    });

    test("aborting a queued apply() means it never starts", async () => {
      const probe = new Probe();
      const pool = make(Pool, { processes: 1 });
      try {
        const first = pool.apply(tasks.gated, [probe.item(0)]);
        const controller = new AbortController();
        const second = pool.apply(tasks.gated, [probe.item(1)], {
          signal: controller.signal,
        });
        await probe.waitStarted(1);
        controller.abort("queued abort");
        await assert.rejects(second, (error) => error === "queued abort");
        probe.release();
        assert.equal(await first, 0);
        pool.close();
        await pool.join();
        assert.equal(probe.started, 1);
      } finally {
        probe.release();
        await pool.terminate();
      }
    });

    test("aborting applyAsync and mapAsync fails their results with signal.reason", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const controller = new AbortController();
          const reason = new RangeError("async aborted");
          const single = pool.applyAsync(tasks.gated, [probe.item(0)], {
            signal: controller.signal,
          });
          const list = pool.mapAsync(tasks.gated, [probe.item(1)], {
            signal: controller.signal,
          });
          await probe.waitStarted(2);
          controller.abort(reason);
          await assert.rejects(single.get(), (error) => error === reason);
          await assert.rejects(list.get(), (error) => error === reason);
          assert.equal(single.successful(), false);
          assert.equal(list.ready(), true);
        } finally {
          probe.release();
        }
      });
    });

    test("aborting an imap mid-way rejects the pending next() with signal.reason", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const controller = new AbortController();
          const reason = new Error("imap aborted");
          const iterator = pool.imap(tasks.gated, probe.items(4), {
            signal: controller.signal,
          });
          probe.release(0);
          assert.deepEqual(await iterator.next(), { value: 0, done: false });
          const pending = iterator.next();
          controller.abort(reason);
          await assert.rejects(pending, (error) => error === reason);
          probe.release();
          assert.equal(await pool.apply(tasks.sqr, [4]), 16);
        } finally {
          probe.release();
        }
      });
    });

    test("aborting after a call finished changes nothing", async () => {
      await withPool(Pool, {}, async (pool) => {
        const controller = new AbortController();
        const result = pool.applyAsync(tasks.sqr, [5], {
          signal: controller.signal,
        });
        assert.equal(
          await pool.map(tasks.sqr, [2], { signal: controller.signal }).then((
            v,
          ) => v[0]),
          4,
        );
        assert.equal(await result.get(), 25);
        controller.abort(new Error("late"));
        assert.equal(await result.get(), 25);
        assert.equal(result.successful(), true);
      });
    });

    test("one call's abort does not affect another call", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const controller = new AbortController();
          const aborted = pool.apply(tasks.gated, [probe.item(0)], {
            signal: controller.signal,
          });
          const other = pool.apply(tasks.gated, [probe.item(1)]);
          await probe.waitStarted(2);
          controller.abort(new Error("only the first"));
          await assert.rejects(aborted, { message: "only the first" });
          probe.release();
          assert.equal(await other, 1);
        } finally {
          probe.release();
        }
      });
    });
  });
}

describe("ThreadPool AbortSignal and the concurrency limit", () => {
  test("an aborted call rejects at once but its slot stays taken until its task settles", async () => {
    const pool = new ThreadPool(1);
    let running = 0;
    let most = 0;
    const log: string[] = [];
    const task = async (name: string, ms: number): Promise<string> => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`end ${name}`);
      running--;
      return name;
    };
    try {
      const controller = new AbortController();
      const aborted = pool.apply(task, ["a", 100], {
        signal: controller.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort(new Error("stop"));
      await assert.rejects(aborted, { message: "stop" });
      assert.deepEqual(log, ["start a"]);
      assert.equal(await pool.apply(task, ["b", 10]), "b");
      assert.equal(most, 1);
      assert.deepEqual(log, ["start a", "end a", "start b", "end b"]);
    } finally {
      await pool.terminate();
    }
  });
});
