// initializer, initArgs and maxTasksPerChild on both pools.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BrokenPoolError } from "../mod.ts";
import { pools } from "./_pools.ts";
import { make, Probe, tasks, withPool } from "./_helpers.ts";

for (const Pool of pools) {
  describe(`${Pool.name} initializer`, () => {
    test("initializer runs with initArgs before the first task", async () => {
      const token = `init-${Math.random()}`;
      await withPool(
        Pool,
        { initializer: tasks.setInit, initArgs: [token] },
        async (pool) => {
          assert.deepEqual(await pool.apply(tasks.getInit, [1]), [token, 1]);
          const all = await pool.map(tasks.getInit, [1, 2, 3, 4, 5, 6], 1);
          assert.deepEqual(all, [1, 2, 3, 4, 5, 6].map((x) => [token, x]));
        },
      );
    });

    test("initializer may be given by name", async () => {
      const token = `named-${Math.random()}`;
      await withPool(
        Pool,
        { initializer: "setInit", initArgs: [token] },
        async (pool) => {
          assert.deepEqual(await pool.apply("getInit", [2]), [token, 2]);
        },
      );
    });

    test("initializer runs at least once and at most once per process", async () => {
      const probe = new Probe();
      await withPool(Pool, {
        processes: 2,
        initializer: tasks.countInit,
        initArgs: [probe.sab],
      }, async (pool) => {
        await pool.map(tasks.sqr, Array.from({ length: 20 }, (_, i) => i), 1);
        pool.close();
        await pool.join();
        assert.ok(
          probe.inits >= 1 && probe.inits <= 2,
          `initializer ran ${probe.inits} times`,
        );
      });
    });

    test("initializer may be a self-contained function", async () => {
      const probe = new Probe();
      await withPool(Pool, {
        initializer: (sab: SharedArrayBuffer | string) => {
          // A directory of files where the workers are processes (see Probe).
          if (typeof sab === "string") {
            // deno-lint-ignore no-explicit-any
            (globalThis as any).process.getBuiltinModule("node:fs")
              .appendFileSync(`${sab}/inits`, "1\n");
          } else Atomics.add(new Int32Array(sab), 3, 1);
        },
        initArgs: [probe.sab],
      }, async (pool) => {
        assert.equal(await pool.apply(tasks.sqr, [5]), 25);
        assert.ok(probe.inits >= 1, `initializer ran ${probe.inits} times`);
      });
    });

    test("initializer without initArgs is called with no arguments", async () => {
      await withPool(Pool, { initializer: tasks.setInitArgs }, async (pool) => {
        assert.deepEqual(await pool.apply(tasks.getInit, [3]), [[], 3]);
      });
    });

    test("a throwing initializer fails tasks with BrokenPoolError whose cause is its error", async () => {
      const pool = make(Pool, {
        initializer: tasks.failInit,
        initArgs: ["no database"],
      });
      try {
        await assert.rejects(pool.apply(tasks.sqr, [2]), (error) => {
          assert.ok(error instanceof BrokenPoolError, String(error));
          assert.equal(error.name, "BrokenPoolError");
          const cause = error.cause as Error;
          assert.ok(cause instanceof Error);
          assert.equal(cause.message, "no database");
          return true;
        });
      } finally {
        await pool.terminate();
      }
    });

    test("after a throwing initializer, pending and new calls fail with BrokenPoolError", async () => {
      const pool = make(Pool, {
        initializer: tasks.failInit,
        initArgs: ["broken"],
      });
      try {
        const pending = [
          pool.apply(tasks.sqr, [1]),
          pool.map(tasks.sqr, [1, 2, 3]),
          pool.applyAsync(tasks.sqr, [2]).get(),
        ];
        for (const call of pending) await assert.rejects(call, BrokenPoolError);
        const settled = await Promise.allSettled([pool.apply(tasks.sqr, [3])]);
        assert.equal(settled[0].status, "rejected");
        assert.ok(
          (settled[0] as PromiseRejectedResult).reason instanceof
            BrokenPoolError,
        );
        await assert.rejects(pool.imap(tasks.sqr, [1]).next(), BrokenPoolError);
      } finally {
        await pool.terminate();
      }
    });

    test("a pool with a throwing initializer can still be closed and joined", async () => {
      const pool = make(Pool, {
        initializer: tasks.failInit,
        initArgs: ["broken"],
      });
      try {
        await assert.rejects(pool.apply(tasks.sqr, [1]), BrokenPoolError);
        pool.close();
        await pool.join();
      } finally {
        await pool.terminate();
      }
    });
  });

  describe(`${Pool.name} maxTasksPerChild`, () => {
    test("maxTasksPerChild replaces a worker, rerunning the initializer", async () => {
      const probe = new Probe();
      await withPool(
        Pool,
        {
          processes: 1,
          maxTasksPerChild: 2,
          initializer: tasks.countInit,
          initArgs: [probe.sab],
        },
        async (pool) => {
          assert.deepEqual(await pool.map(tasks.sqr, [1, 2, 3, 4, 5, 6], 1), [
            1,
            4,
            9,
            16,
            25,
            36,
          ]);
          assert.ok(
            probe.inits >= 3,
            `initializer ran ${probe.inits} times for 6 chunks`,
          );
        },
      );
    });

    test("results stay complete and ordered across worker replacements", async () => {
      await withPool(
        Pool,
        { processes: 2, maxTasksPerChild: 1 },
        async (pool) => {
          const input = Array.from({ length: 12 }, (_, i) => i);
          assert.deepEqual(
            await pool.map(tasks.scrambled, input, 1),
            input.map((x) => x * 10),
          );
          const values: number[] = [];
          for await (
            const value of pool.imap(tasks.sqr, input, { chunkSize: 2 })
          ) values.push(value);
          assert.deepEqual(values, input.map((x) => x * x));
        },
      );
    });
  });
}
