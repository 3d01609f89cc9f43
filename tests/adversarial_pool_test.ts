// Adversarial suite, Pool only: worker churn (maxTasksPerChild)
// under crashes and aborts, initializers and modules that fail while calls
// race terminate(), and results that break the worker's own bookkeeping.
// Every call must settle; the pool goes on or is broken with BrokenPoolError.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BrokenPoolError,
  PoolTerminatedError,
  WorkerCrashedError,
} from "../mod.ts";
import { Pool } from "./_pools.ts";
import { type Outcome, outcome, sleep } from "./_adversary.ts";
import { extension, poolTasksUrl } from "./_helpers.ts";

const module = poolTasksUrl;
const missing =
  new URL(`./testdata/no_such_module.${extension}`, import.meta.url)
    .href;

/** The kind of an outcome: the value as JSON, or the error's class name. */
function kind(result: Outcome): string {
  return result.ok
    ? JSON.stringify(result.value)
    : (result.error as Error)?.constructor?.name ?? String(result.error);
}

describe("Pool worker churn under crashes and aborts", () => {
  test("maxTasksPerChild 1 with every third task exiting: crashes fail alone, the rest complete", async () => {
    const pool = new Pool({ processes: 2, module, maxTasksPerChild: 1 });
    try {
      const calls = Array.from({ length: 9 }, (_, i) =>
        outcome(
          i % 3 === 0
            ? pool.apply("processExit", [2])
            : pool.apply("sleepy", [i, 1]),
          `call #${i}`,
        ));
      for (const [i, call] of calls.entries()) {
        const result = await call;
        if (i % 3 === 0) {
          assert.ok(
            !result.ok && result.error instanceof WorkerCrashedError,
            `call #${i}: ${kind(result)}`,
          );
        } else assert.deepEqual(result, { ok: true, value: i });
      }
    } finally {
      await pool.terminate();
    }
  });

  test("aborts, exits and maxTasksPerChild 2 together: every call settles, the pool goes on", async () => {
    const pool = new Pool({ processes: 2, module, maxTasksPerChild: 2 });
    try {
      const calls: Promise<Outcome>[] = [];
      for (let i = 0; i < 15; i++) {
        const controller = new AbortController();
        const exits = i % 5 === 0;
        calls.push(outcome(
          pool.apply(exits ? "processExit" : "sleepy", exits ? [1] : [i, 5], {
            signal: controller.signal,
          }),
          `call #${i}`,
        ));
        setTimeout(() => controller.abort(new Error("stop")), i % 7);
      }
      for (const [i, call] of calls.entries()) {
        const result = await call;
        assert.ok(
          result.ok || result.error instanceof WorkerCrashedError ||
            (result.error as Error).message === "stop",
          `call #${i}: ${kind(result)}`,
        );
      }
      assert.deepEqual(await pool.map("sleepy", [1, 2, 3]), [1, 2, 3]);
    } finally {
      await pool.terminate();
    }
  });

  test("close() and join() while tasks crash: join resolves once every call settled", async () => {
    const pool = new Pool({ processes: 2, module });
    const calls = [
      outcome(pool.apply("processExit", [1]), "exit"),
      outcome(pool.apply("uncaught", ["z"]), "uncaught"),
      outcome(pool.map("sleepy", [1, 2, 3]), "map"),
    ];
    pool.close();
    await outcome(pool.join(), "join()");
    assert.deepEqual((await Promise.all(calls)).map(kind), [
      "WorkerCrashedError",
      "WorkerCrashedError",
      "[1,2,3]",
    ]);
  });
});

describe("Pool start-up failures racing terminate()", () => {
  test("an initializer that exits or throws uncaught breaks the pool: every call fails with BrokenPoolError", async () => {
    const broken: [string, unknown[]][] = [
      ["processExit", [1]],
      ["uncaught", ["x"]],
    ];
    for (const [initializer, initArgs] of broken) {
      const pool = new Pool({ processes: 2, module, initializer, initArgs });
      try {
        const calls = [
          outcome(pool.apply("sleepy", [1, 1]), "apply"),
          outcome(pool.map("sleepy", [1, 2]), "map"),
          outcome(pool.imap("sleepy", [1]).next(), "imap"),
        ];
        for (const call of calls) {
          const result = await call;
          assert.ok(
            !result.ok && result.error instanceof BrokenPoolError,
            `${initializer}: ${kind(result)}`,
          );
        }
      } finally {
        await outcome(pool.terminate(), "terminate()");
      }
    }
  });

  test("a module that cannot be imported, raced by terminate() or by close()/join(), settles every call", async () => {
    const raced = new Pool({ processes: 2, module: missing });
    const call = outcome(raced.apply("sqr", [1]), "apply");
    await outcome(raced.terminate(), "terminate()");
    const result = await call;
    assert.ok(
      !result.ok &&
        (result.error instanceof PoolTerminatedError ||
          result.error instanceof BrokenPoolError),
      kind(result),
    );
    const closed = new Pool({ processes: 2, module: missing });
    const pending = outcome(closed.map("sqr", [1, 2]), "map");
    closed.close();
    await outcome(closed.join(), "join()");
    assert.equal(kind(await pending), "BrokenPoolError");
  });

  test("terminate() at every moment of start-up: the call settles and terminate() resolves", async () => {
    for (const delay of [0, 1, 2, 3, 5, 8, 13, 21]) {
      const pool = new Pool({ processes: 2, module });
      const call = outcome(pool.apply("sleepy", [1, 1]), `call at ${delay} ms`);
      await sleep(delay);
      await outcome(pool.terminate(), `terminate() at ${delay} ms`);
      const result = await call;
      assert.ok(
        result.ok || result.error instanceof PoolTerminatedError,
        kind(result),
      );
    }
  });
});
