// Every timeout takes any non-negative number, Infinity included, and waits
// that long: no setTimeout overflow (API.md "Timeouts").
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pools } from "./_pools.ts";
import { Probe, settlesWithin, tasks, withPool } from "./_helpers.ts";

const LONG = [2 ** 31, 2 ** 32, 3e9, Infinity];

for (const Pool of pools) {
  describe(`${Pool.name} long timeouts`, () => {
    for (const ms of LONG) {
      test(`get(${ms}), wait(${ms}) and next(${ms}) wait instead of firing at once`, async () => {
        const probe = new Probe();
        await withPool(Pool, {}, async (pool) => {
          try {
            const result = pool.applyAsync(tasks.gated, [probe.item(0)]);
            const iterator = pool.imap(tasks.gated, [probe.item(1)]);
            const got = result.get(ms);
            const waited = result.wait(ms);
            const next = iterator.next(ms);
            assert.equal(await settlesWithin(got, 100), false);
            assert.equal(await settlesWithin(waited, 0), false);
            assert.equal(await settlesWithin(next, 0), false);
            probe.release();
            assert.equal(await got, 0);
            assert.equal(await waited, true);
            assert.deepEqual(await next, { done: false, value: 1 });
          } finally {
            probe.release();
          }
        });
      });
    }

    test("get(0) times out at once on a pending result and get() still works", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const result = pool.applyAsync(tasks.gated, [probe.item(0)]);
          await assert.rejects(result.get(0), { name: "TimeoutError" });
          probe.release();
          assert.equal(await result.get(), 0);
        } finally {
          probe.release();
        }
      });
    });
  });
}
