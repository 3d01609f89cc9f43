// Work stealing in Pool: an idle worker takes the chunks a busy one holds
// and has not started, and (with shared memory) the items of its running
// chunk it has not reached; results, order and errors stay as if one worker
// had run each chunk. Item 0 of each map below waits on its gate, which
// opens only once every other item has finished: without stealing they
// would wait behind it. Runs under `deno test -A`, `bun test` and
// `node --test`, and every MULTIPOOL_TEST_ADAPTER variant.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool, variant } from "./_pools.ts";
import { make, Probe, sleep, tasks, until } from "./_helpers.ts";

/** Item-level stealing needs shared memory between the pool and its workers. */
const claims = variant === undefined || variant === "web";

// Maps `n` gated items with `chunkSize` on a fresh Pool(2): item 0 is held
// until the others are all done (or, with `fail`, until that item has
// failed), then released.
async function heldFirst(
  n: number,
  chunkSize: number,
  fail?: number,
): Promise<PromiseSettledResult<number[]>> {
  const probe = new Probe();
  const pool = make(Pool);
  try {
    for (let i = 1; i < n; i++) probe.release(i);
    const items = probe.items(n);
    if (fail !== undefined) items[fail].fail = true;
    const [result, others] = await Promise.allSettled([
      pool.map(tasks.gated, items, chunkSize),
      until(
        `the other items finished while item 0 runs`,
        () => probe.finished >= (fail === undefined ? n - 1 : 1),
        8_000,
      ).finally(() => probe.release(0)),
    ]);
    if (others.status === "rejected") throw others.reason;
    return result;
  } finally {
    probe.release();
    await pool.terminate();
  }
}

describe("Pool work stealing", () => {
  test("an idle worker takes the chunks queued behind a busy worker's running one", async () => {
    const result = await heldFirst(6, 1);
    assert.deepEqual(result, {
      status: "fulfilled",
      value: [0, 1, 2, 3, 4, 5],
    });
  });

  test(
    claims
      ? "an idle worker takes the items a running chunk has not reached, and map() keeps input order"
      : "an idle worker takes the items a running chunk has not reached (skipped: needs shared memory with the workers)",
    { skip: !claims },
    async () => {
      const result = await heldFirst(9, 9);
      assert.deepEqual(result, {
        status: "fulfilled",
        value: [0, 1, 2, 3, 4, 5, 6, 7, 8],
      });
    },
  );

  test(
    claims
      ? "an item that failed on the worker that took it fails the map with its own error"
      : "an item that failed on the worker that took it fails the map (skipped: needs shared memory with the workers)",
    { skip: !claims },
    async () => {
      const result = await heldFirst(9, 9, 6);
      assert.equal(result.status, "rejected");
      assert.match(
        String((result as PromiseRejectedResult).reason),
        /gated 6 failed/,
      );
    },
  );

  test("with maxTasksPerChild the items of a running chunk stay with its worker", async () => {
    const probe = new Probe();
    const pool = make(Pool, { maxTasksPerChild: 5 });
    try {
      for (let i = 1; i < 6; i++) probe.release(i);
      const mapped = pool.map(tasks.gated, probe.items(6), 6);
      await until("item 0 started", () => probe.started >= 1);
      await sleep(300);
      assert.equal(probe.finished, 0);
      probe.release(0);
      assert.deepEqual(await mapped, [0, 1, 2, 3, 4, 5]);
    } finally {
      probe.release();
      await pool.terminate();
    }
  });

  test(
    claims
      ? "an aborted map stops the parts other workers took, and the pool goes on"
      : "an aborted map stops the parts other workers took (skipped: needs shared memory with the workers)",
    { skip: !claims },
    async () => {
      const probe = new Probe();
      const pool = make(Pool);
      try {
        const controller = new AbortController();
        const mapped = pool.map(tasks.gated, probe.items(8), {
          chunkSize: 8,
          signal: controller.signal,
        });
        // Both workers hold an item of the one chunk: the second took a part.
        await until("two items started", () => probe.started >= 2, 8_000);
        controller.abort(new Error("stop"));
        await assert.rejects(mapped, /stop/);
        probe.release();
        assert.deepEqual(await pool.map(Math.sqrt, [1, 4, 9, 16]), [
          1,
          2,
          3,
          4,
        ]);
      } finally {
        probe.release();
        await pool.terminate();
      }
    },
  );
});
