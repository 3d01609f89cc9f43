// Pool's worker lifecycle options: workers start when the pool is created
// (the initializer runs in each with no task), idleTimeout retires idle
// workers and work starts them again, resourceLimits reaches the adapter.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool, type WorkerAdapter, WorkerCrashedError } from "../mod.ts";
import { detectAdapter } from "../adapters/_detect.ts";
import { pools } from "./_pools.ts";
import { poolTasksUrl, sleep, until } from "./_helpers.ts";

type Tasks = typeof import("./testdata/pool_tasks.ts");

const module = poolTasksUrl;
const tasks: Tasks = await import(module);

// deno-lint-ignore no-explicit-any
const runtime = globalThis as any;
const isDeno = runtime.Deno !== undefined;
const isBun = runtime.Bun !== undefined;

describe("Pool worker lifecycle", () => {
  test("Pool starts its workers when created: the initializer runs in each with no task submitted", async () => {
    const inits = new SharedArrayBuffer(4);
    const pool = new Pool({
      processes: 2,
      module,
      initializer: tasks.countInit,
      initArgs: [inits],
    });
    try {
      await until(
        "the initializer ran in both workers",
        () => Atomics.load(new Int32Array(inits), 0) === 2,
      );
      assert.equal(pool.stats().workers, 2);
      // The first task finds a worker ready: no worker is added for it.
      assert.equal(await pool.apply(Math.sqrt, [9]), 3);
      assert.equal(Atomics.load(new Int32Array(inits), 0), 2);
    } finally {
      await pool.terminate();
    }
  });

  test("idleTimeout retires idle workers; work starts them again", async () => {
    const pool = new Pool({ processes: 2, module, idleTimeout: 50 });
    try {
      assert.deepEqual(await pool.map(Math.sqrt, [1, 4, 9], 1), [1, 2, 3]);
      await until("idle workers retired", () => pool.stats().workers === 0);
      assert.deepEqual(await pool.map(Math.sqrt, [16, 25], 1), [4, 5]);
      assert.ok(pool.stats().workers >= 1);
      await until("idle again", () => pool.stats().workers === 0);
    } finally {
      await pool.terminate();
    }
  });

  test("without idleTimeout idle workers stay", async () => {
    const pool = new Pool({ processes: 2, module });
    try {
      await pool.map(Math.sqrt, [1, 4], 1);
      await sleep(200);
      assert.equal(pool.stats().workers, 2);
    } finally {
      await pool.terminate();
    }
  });

  test("resourceLimits reaches the adapter as each worker is spawned", async () => {
    const base = await detectAdapter();
    const seen: unknown[] = [];
    const adapter: WorkerAdapter = {
      name: `${base.name}-recording`,
      spawn: (url, options) => {
        seen.push(options?.resourceLimits);
        return base.spawn(url, options);
      },
    };
    const resourceLimits = { maxOldGenerationSizeMb: 256 };
    const pool = new Pool({ processes: 2, module, adapter, resourceLimits });
    try {
      assert.equal(await pool.apply(Math.sqrt, [16]), 4);
      assert.deepEqual(seen, [resourceLimits, resourceLimits]);
    } finally {
      await pool.terminate();
    }
  });

  const noOom = isBun
    ? "Bun ignores resourceLimits"
    : isDeno
    ? "Deno 2.9 leaves a worker that runs out of memory hanging with no exit or error event"
    : undefined;
  test(
    `resourceLimits is enforced: a task over the heap limit fails with WorkerCrashedError${
      noOom ? ` (skipped: ${noOom})` : ""
    }`,
    { skip: noOom ?? false },
    async () => {
      const pool = new Pool({
        processes: 1,
        module,
        resourceLimits: { maxOldGenerationSizeMb: 24 },
      });
      try {
        await assert.rejects(pool.apply(tasks.allocate), WorkerCrashedError);
        assert.equal(await pool.apply(Math.sqrt, [25]), 5);
      } finally {
        await pool.terminate();
      }
    },
  );
});

for (const PoolClass of pools) {
  describe(`${PoolClass.name} lifecycle options`, () => {
    test("idleTimeout and resourceLimits are validated", () => {
      assert.throws(() => new PoolClass({ idleTimeout: -1 }), {
        name: "RangeError",
        message:
          "Cannot create pool as 'idleTimeout' must be a non-negative number of milliseconds: current value is -1",
      });
      assert.throws(
        () => new PoolClass({ idleTimeout: "1" as never }),
        TypeError,
      );
      assert.throws(
        () => new PoolClass({ resourceLimits: 64 as never }),
        {
          name: "TypeError",
          message:
            "Cannot create pool as 'resourceLimits' must be an object: current value is 64",
        },
      );
      assert.throws(
        () => new PoolClass({ resourceLimits: { maxOldGenerationSizeMb: -5 } }),
        RangeError,
      );
    });
  });
}
