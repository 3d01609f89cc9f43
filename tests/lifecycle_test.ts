// Lifecycle of both pools: state, close, join, terminate, dispose.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PoolClosedError, PoolTerminatedError } from "../mod.ts";
import { pools } from "./_pools.ts";
import {
  make,
  Probe,
  settlesWithin,
  sleep,
  tasks,
  withPool,
} from "./_helpers.ts";

for (const Pool of pools) {
  describe(`${Pool.name} lifecycle`, () => {
    test("a new pool is running and reports its processes", async () => {
      await withPool(Pool, { processes: 3 }, (pool) => {
        assert.equal(pool.state, "running");
        assert.equal(pool.processes, 3);
      });
    });

    test("processes defaults to the logical CPU count", async () => {
      const pool = new Pool();
      try {
        const cpus =
          (globalThis as { navigator?: { hardwareConcurrency?: number } })
            .navigator?.hardwareConcurrency ??
            (await import("node:os")).availableParallelism();
        assert.equal(pool.processes, cpus);
      } finally {
        await pool.terminate();
      }
    });

    test("a number argument is the processes count", async () => {
      const pool = new Pool(3);
      try {
        assert.equal(pool.processes, 3);
        assert.equal(await pool.apply(Math.abs, [-4]), 4);
      } finally {
        await pool.terminate();
      }
    });

    test("processes and state are read-only", async () => {
      await withPool(Pool, {}, (pool) => {
        assert.throws(() => {
          (pool as unknown as { processes: number }).processes = 9;
        }, TypeError);
        assert.throws(() => {
          (pool as unknown as { state: string }).state = "closed";
        }, TypeError);
        assert.equal(pool.processes, 2);
        assert.equal(pool.state, "running");
      });
    });

    test("close() moves state to closed and join() resolves once tasks are done", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const mapped = pool.map(tasks.gated, probe.items(4), 1);
          await probe.waitStarted(2);
          pool.close();
          assert.equal(pool.state, "closed");
          const joined = pool.join();
          assert.equal(
            await settlesWithin(joined, 30),
            false,
            "join() resolved while tasks ran",
          );
          probe.release();
          await joined;
          assert.deepEqual(await mapped, [0, 1, 2, 3]);
          assert.equal(probe.finished, 4);
          assert.equal(pool.state, "closed");
        } finally {
          probe.release();
        }
      });
    });

    test("close() then join() lets queued applyAsync results finish", async () => {
      await withPool(Pool, { processes: 1 }, async (pool) => {
        const results = [1, 2, 3, 4].map((x) =>
          pool.applyAsync(tasks.sleepy, [x, 5])
        );
        pool.close();
        await pool.join();
        assert.deepEqual(results.map((r) => r.ready()), [
          true,
          true,
          true,
          true,
        ]);
        assert.deepEqual(await Promise.all(results.map((r) => r.get())), [
          1,
          2,
          3,
          4,
        ]);
      });
    });

    test("close() twice does not throw", async () => {
      await withPool(Pool, {}, async (pool) => {
        pool.close();
        pool.close();
        assert.equal(pool.state, "closed");
        await pool.join();
      });
    });

    test("join() twice after close() resolves both times", async () => {
      await withPool(Pool, {}, async (pool) => {
        pool.close();
        await pool.join();
        await pool.join();
      });
    });

    test("join() on a running pool throws PoolClosedError synchronously", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.throws(() => pool.join(), (error: unknown) => {
          assert.ok(error instanceof PoolClosedError);
          assert.equal(error.name, "PoolClosedError");
          assert.equal(error.message, "Pool is still running");
          return true;
        });
        assert.equal(pool.state, "running");
        assert.equal(await pool.apply(tasks.sqr, [3]), 9);
      });
    });

    for (const when of ["close", "terminate"] as const) {
      test(`every task method throws PoolClosedError "Pool not running" synchronously after ${when}()`, async () => {
        const pool = make(Pool);
        try {
          if (when === "close") pool.close();
          else await pool.terminate();
          const calls: [string, () => unknown][] = [
            ["apply", () => pool.apply(tasks.sqr, [1])],
            ["applyAsync", () => pool.applyAsync(tasks.sqr, [1])],
            ["map", () => pool.map(tasks.sqr, [1])],
            ["mapAsync", () => pool.mapAsync(tasks.sqr, [1])],
            ["starmap", () => pool.starmap(tasks.add, [[1, 2]])],
            ["starmapAsync", () => pool.starmapAsync(tasks.add, [[1, 2]])],
            ["imap", () => pool.imap(tasks.sqr, [1])],
            ["imapUnordered", () => pool.imapUnordered(tasks.sqr, [1])],
          ];
          for (const [name, call] of calls) {
            assert.throws(call, (error: unknown) => {
              assert.ok(error instanceof PoolClosedError, `${name}: ${error}`);
              assert.equal(error.name, "PoolClosedError");
              assert.equal(error.message, "Pool not running");
              return true;
            }, name);
          }
        } finally {
          await pool.terminate();
        }
      });
    }

    test("terminate() rejects running and queued tasks with PoolTerminatedError", async () => {
      const probe = new Probe();
      const pool = make(Pool);
      try {
        const mapped = pool.map(tasks.gated, probe.items(6), 1);
        const queued = pool.applyAsync(tasks.sqr, [2]);
        const applied = pool.apply(tasks.sqr, [3]);
        mapped.catch(() => {});
        applied.catch(() => {});
        await probe.waitStarted(2);
        await pool.terminate();
        assert.equal(pool.state, "terminated");
        await assert.rejects(mapped, PoolTerminatedError);
        await assert.rejects(applied, PoolTerminatedError);
        await assert.rejects(queued.get(), PoolTerminatedError);
        assert.equal(queued.ready(), true);
        assert.equal(queued.successful(), false);
      } finally {
        probe.release();
        await pool.terminate();
      }
    });

    test("terminate() makes a pending imap next() reject with PoolTerminatedError", async () => {
      const probe = new Probe();
      const pool = make(Pool);
      try {
        const iterator = pool.imap(tasks.gated, probe.items(4));
        const next = iterator.next();
        next.catch(() => {});
        await probe.waitStarted(1);
        await pool.terminate();
        await assert.rejects(next, PoolTerminatedError);
      } finally {
        probe.release();
        await pool.terminate();
      }
    });

    test("terminate() twice is fine and state stays terminated", async () => {
      const pool = make(Pool);
      await pool.terminate();
      await pool.terminate();
      assert.equal(pool.state, "terminated");
    });

    test("terminate() after close() rejects what is still pending", async () => {
      const probe = new Probe();
      const pool = make(Pool);
      try {
        const mapped = pool.map(tasks.gated, probe.items(3), 1);
        mapped.catch(() => {});
        await probe.waitStarted(1);
        pool.close();
        await pool.terminate();
        assert.equal(pool.state, "terminated");
        await assert.rejects(mapped, PoolTerminatedError);
      } finally {
        probe.release();
        await pool.terminate();
      }
    });

    test("close() after terminate() keeps state terminated and join() resolves", async () => {
      const pool = make(Pool);
      await pool.terminate();
      pool.close();
      assert.equal(pool.state, "terminated");
      await pool.join();
    });

    test("Symbol.asyncDispose closes, then waits for every task", async () => {
      const probe = new Probe();
      const pool = make(Pool);
      try {
        const mapped = pool.map(tasks.gated, probe.items(4), 1);
        const single = pool.applyAsync(tasks.sqr, [5]);
        await probe.waitStarted(1);
        const disposed = pool[Symbol.asyncDispose]();
        assert.equal(pool.state, "closed");
        assert.throws(() => pool.apply(tasks.sqr, [1]), PoolClosedError);
        assert.equal(
          await settlesWithin(disposed, 30),
          false,
          "disposed while tasks ran",
        );
        probe.release();
        await disposed;
        assert.equal(single.ready(), true);
        assert.equal(await single.get(), 25);
        assert.deepEqual(await mapped, [0, 1, 2, 3]);
      } finally {
        probe.release();
        await pool.terminate();
      }
    });

    test("Symbol.dispose terminates at once and pending tasks reject with PoolTerminatedError", async () => {
      const probe = new Probe();
      const pool = make(Pool);
      try {
        const mapped = pool.map(tasks.gated, probe.items(4), 1);
        mapped.catch(() => {});
        await probe.waitStarted(1);
        const returned: unknown = pool[Symbol.dispose]();
        assert.equal(returned, undefined);
        assert.equal(pool.state, "terminated");
        await assert.rejects(mapped, PoolTerminatedError);
      } finally {
        probe.release();
        await pool.terminate();
      }
    });

    test("Symbol.asyncDispose after terminate() resolves and keeps state terminated", async () => {
      const pool = make(Pool);
      await pool.terminate();
      await pool[Symbol.asyncDispose]();
      pool[Symbol.dispose]();
      assert.equal(pool.state, "terminated");
    });

    test("an idle pool can be closed and joined without running anything", async () => {
      const pool = make(Pool);
      pool.close();
      await pool.join();
      assert.equal(pool.state, "closed");
      await pool.terminate();
    });

    test("a pool runs many small tasks with few processes", async () => {
      await withPool(Pool, { processes: 2 }, async (pool) => {
        const inputs = Array.from({ length: 200 }, (_, i) => i);
        const results = await Promise.all(
          inputs.map((x) => pool.apply(tasks.sqr, [x])),
        );
        assert.deepEqual(results, inputs.map((x) => x * x));
      });
    });

    test("results keep coming after a short idle period", async () => {
      await withPool(Pool, {}, async (pool) => {
        assert.equal(await pool.apply(tasks.sqr, [2]), 4);
        await sleep(20);
        assert.equal(await pool.apply(tasks.sqr, [3]), 9);
      });
    });
  });
}
