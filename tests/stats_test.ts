// stats(): workers, busy, queued and running chunks, completed and failed tasks.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pools } from "./_pools.ts";
import { Probe, tasks, withPool } from "./_helpers.ts";

for (const Pool of pools) {
  describe(`${Pool.name} stats()`, () => {
    test("stats() of a new pool counts its workers and nothing else", async () => {
      await withPool(Pool, { processes: 3 }, (pool) => {
        assert.deepEqual(pool.stats(), {
          workers: 3,
          busy: 0,
          queuedChunks: 0,
          runningChunks: 0,
          completedTasks: 0,
          failedTasks: 0,
        });
      });
    });

    test("stats() shows busy workers, queued and running chunks, then completed and failed tasks", async () => {
      await withPool(Pool, { processes: 2 }, async (pool) => {
        const probe = new Probe();
        try {
          const items = probe.items(6);
          items[5] = probe.item(5, true);
          const call = pool.map(tasks.gated, items, 1).catch((error) => error);
          await probe.waitStarted(2);
          const running = pool.stats();
          assert.equal(running.workers, 2);
          assert.equal(running.busy, 2);
          assert.ok(running.runningChunks >= 2, `${running.runningChunks}`);
          assert.equal(running.queuedChunks + running.runningChunks, 6);
          assert.equal(running.completedTasks, 0);
          probe.release();
          const error = await call;
          assert.match(String(error), /gated 5 failed/);
          const done = pool.stats();
          assert.equal(done.busy, 0);
          assert.equal(done.queuedChunks, 0);
          assert.equal(done.runningChunks, 0);
          assert.equal(done.completedTasks, 5);
          assert.equal(done.failedTasks, 1);
        } finally {
          probe.release();
        }
      });
    });

    test("stats() is cheap enough to call in a loop and returns a fresh snapshot", async () => {
      await withPool(Pool, {}, async (pool) => {
        const first = pool.stats();
        let last = first;
        // 100 000 calls: a few counters each, far below a second anywhere.
        const start = performance.now();
        for (let i = 0; i < 100_000; i++) last = pool.stats();
        assert.ok(performance.now() - start < 5_000);
        assert.notEqual(last, first);
        first.completedTasks = 99;
        assert.equal(pool.stats().completedTasks, 0);
        await pool.map(tasks.sqr, [1, 2, 3]);
        assert.equal(pool.stats().completedTasks, 3);
      });
    });

    test("stats() after terminate() counts no workers", async () => {
      await withPool(Pool, {}, async (pool) => {
        await pool.apply(tasks.sqr, [2]);
        await pool.terminate();
        const stats = pool.stats();
        assert.equal(stats.workers, 0);
        assert.equal(stats.busy, 0);
        assert.equal(stats.completedTasks, 1);
      });
    });
  });
}
