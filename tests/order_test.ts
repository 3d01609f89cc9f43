// Chunks start in the order their calls were made, whatever the method, as
// in CPython's single task queue — also while a fresh pool is starting.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pools } from "./_pools.ts";
import { collect, Probe, withPool } from "./_helpers.ts";

for (const Pool of pools) {
  describe(`${Pool.name} submission order`, () => {
    test("apply, imap, map and apply on a fresh pool start in call order", async () => {
      const probe = new Probe();
      await withPool(Pool, { processes: 1 }, async (pool) => {
        try {
          const first = pool.applyAsync("gated", [probe.item(0)]);
          const lazy = pool.imap("gated", [probe.item(1), probe.item(2)]);
          const mapped = pool.mapAsync("gated", [probe.item(3)]);
          const last = pool.applyAsync("gated", [probe.item(4)]);
          const rest = collect(lazy);
          probe.release();
          assert.deepEqual(
            [await first, await rest, await mapped, await last],
            [0, [1, 2], [3], 4],
          );
          assert.deepEqual(probe.startOrder(), [0, 1, 2, 3, 4]);
        } finally {
          probe.release();
        }
      });
    });

    test("calls by function and by name keep their order on a fresh pool", async () => {
      const probe = new Probe();
      await withPool(Pool, { processes: 1 }, async (pool) => {
        try {
          const { gated } = await import("./testdata/tasks.ts");
          const calls = [
            pool.applyAsync("gated", [probe.item(0)]),
            pool.applyAsync(gated, [probe.item(1)]),
            pool.applyAsync("gated", [probe.item(2)]),
          ];
          probe.release();
          assert.deepEqual(await Promise.all(calls), [0, 1, 2]);
          assert.deepEqual(probe.startOrder(), [0, 1, 2]);
        } finally {
          probe.release();
        }
      });
    });
  });
}
