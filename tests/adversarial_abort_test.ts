// Adversarial suite: abort storms on both pools. Signals aborted at seeded
// moments (before the call, in the same tick, while queued or running, after
// the call settled) across every method; each call settles with its value or
// signal.reason, the pool goes on, and ThreadPool never runs more than
// `processes` tasks at once.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PoolTerminatedError, ThreadPool } from "../mod.ts";
import { pools } from "./_pools.ts";
import { make, tasks, tasksUrl } from "./_helpers.ts";
import { below, type Outcome, outcome, seeded, sleep } from "./_adversary.ts";

for (const Pool of pools) {
  describe(`${Pool.name} abort storms`, () => {
    const methods = [
      "apply",
      "applyAsync",
      "map",
      "mapAsync",
      "starmap",
      "starmapAsync",
      "imap",
      "imapUnordered",
    ] as const;
    const moments = ["before", "sync", "soon", "later", "after", "never"];

    test("signals aborted at seeded moments across every method: each call settles with its value or signal.reason", async () => {
      const random = seeded(20261130);
      const pool = make(Pool);
      try {
        const runs: Promise<void>[] = [];
        for (let i = 0; i < 48; i++) {
          const method = methods[below(random, methods.length)];
          const moment = moments[below(random, moments.length)];
          const asyncInput = random() < 0.3;
          const controller = new AbortController();
          const reason = new Error(`abort ${i}`);
          if (moment === "before") controller.abort(reason);
          const signal = controller.signal;
          const values = [i, i + 1, i + 2];
          const input = (): Iterable<number> | AsyncIterable<number> =>
            asyncInput
              ? (async function* () {
                for (const v of values) {
                  await sleep(below(random, 3));
                  yield v;
                }
              })()
              : values;
          const ms = below(random, 12);
          let call: PromiseLike<unknown>;
          let expected: unknown;
          switch (method) {
            case "apply":
              call = pool.apply(tasks.sleepy, [i, ms], { signal });
              expected = i;
              break;
            case "applyAsync":
              call = pool.applyAsync(tasks.sleepy, [i, ms], { signal });
              expected = i;
              break;
            case "map":
              call = pool.map(tasks.scrambled, input(), {
                signal,
                chunkSize: 1,
              });
              expected = values.map((v) => v * 10);
              break;
            case "mapAsync":
              call = pool.mapAsync(tasks.scrambled, input(), { signal });
              expected = values.map((v) => v * 10);
              break;
            case "starmap":
              call = pool.starmap(tasks.sleepy, values.map((v) => [v, ms]), {
                signal,
              });
              expected = values;
              break;
            case "starmapAsync":
              call = pool.starmapAsync(
                tasks.sleepy,
                values.map((v) => [v, ms]),
                { signal },
              );
              expected = values;
              break;
            case "imap":
            case "imapUnordered": {
              const iterator = pool[method](tasks.scrambled, input(), {
                signal,
              });
              call = (async () => {
                const out: number[] = [];
                for await (const v of iterator) out.push(v as number);
                return method === "imap" ? out : out.sort((a, b) => a - b);
              })();
              expected = values.map((v) => v * 10);
              break;
            }
          }
          if (moment === "sync") controller.abort(reason);
          const abortAfter = moment === "soon"
            ? below(random, 3)
            : below(random, 40);
          if (moment === "soon" || moment === "later") {
            setTimeout(() => controller.abort(reason), abortAfter);
          }
          runs.push((async () => {
            const result = await outcome(call, `${method} #${i} (${moment})`);
            if (moment === "after") controller.abort(reason);
            if (moment === "before" || moment === "sync") {
              assert.ok(
                !result.ok && result.error === reason,
                `${method} #${i} aborted ${moment}: ${JSON.stringify(result)}`,
              );
            } else if (result.ok) {
              assert.deepEqual(result.value, expected, `${method} #${i}`);
            } else {
              assert.equal(
                result.error,
                reason,
                `${method} #${i} (${moment}) failed with ${result.error}`,
              );
              assert.notEqual(moment, "never");
            }
          })());
        }
        await Promise.all(runs);
        assert.deepEqual(await pool.map(tasks.sqr, [1, 2, 3]), [1, 4, 9]);
        // A result settled before its abort keeps its value.
        const controller = new AbortController();
        const kept = pool.applyAsync(tasks.sqr, [7], {
          signal: controller.signal,
        });
        assert.equal(await kept.get(), 49);
        controller.abort(new Error("late"));
        assert.equal(await kept.get(), 49);
        assert.equal(kept.successful(), true);
      } finally {
        await pool.terminate();
      }
    });

    test("a revoked Proxy, a symbol, null or 0 as abort reason: the call rejects with exactly that reason", async () => {
      const pool = make(Pool);
      try {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        for (const reason of [proxy, Symbol("why"), null, 0]) {
          const controller = new AbortController();
          const call = outcome(
            pool.starmap(tasks.sleepy, [[1, 200], [2, 200], [3, 200]], {
              signal: controller.signal,
            }),
            "starmap",
          );
          await sleep(5);
          controller.abort(reason);
          const result = await call;
          assert.ok(!result.ok && result.error === reason);
        }
        assert.equal(await pool.apply(tasks.sqr, [3]), 9);
      } finally {
        await pool.terminate();
      }
    });

    test("an async input whose next() never settles: abort, terminate() and return() end the call and call its return()", async () => {
      const stuck = (): {
        iterable: AsyncIterable<number>;
        returned(): boolean;
      } => {
        let returned = false;
        const iterator: AsyncIterableIterator<number> = {
          next: () => new Promise(() => {}),
          return: () => {
            returned = true;
            return Promise.resolve({ done: true, value: undefined });
          },
          [Symbol.asyncIterator]: () => iterator,
        };
        return { iterable: iterator, returned: () => returned };
      };
      const pool = make(Pool);
      try {
        const aborted = stuck();
        const controller = new AbortController();
        const reason = new Error("stop");
        const mapped = outcome(
          pool.map(tasks.sqr, aborted.iterable, { signal: controller.signal }),
          "aborted map",
        );
        await sleep(10);
        controller.abort(reason);
        assert.deepEqual(await mapped, { ok: false, error: reason });
        assert.ok(aborted.returned(), "abort: return() was not called");
        const broken = stuck();
        const iterator = pool.imap(tasks.sqr, broken.iterable);
        const next = outcome(iterator.next(), "next() before return()");
        await sleep(10);
        await outcome(iterator.return!(), "return()");
        assert.deepEqual(await next, {
          ok: true,
          value: { done: true, value: undefined },
        });
        assert.ok(
          broken.returned(),
          "imap return(): input return() not called",
        );
        const terminated = stuck();
        const pending = outcome(
          pool.map(tasks.sqr, terminated.iterable),
          "map",
        );
        await sleep(10);
        await outcome(pool.terminate(), "terminate()");
        const result = await pending;
        assert.ok(!result.ok && result.error instanceof PoolTerminatedError);
        assert.ok(terminated.returned(), "terminate: return() was not called");
      } finally {
        await pool.terminate();
      }
    });

    test("one signal shared by many calls aborts them all with its reason", async () => {
      const pool = make(Pool);
      try {
        const controller = new AbortController();
        const { signal } = controller;
        const calls: Promise<Outcome>[] = [];
        const watch = (call: PromiseLike<unknown>): void => {
          calls.push(outcome(call, `call #${calls.length}`));
        };
        for (let i = 0; i < 10; i++) {
          watch(pool.apply(tasks.sleepy, [i, 200], { signal }));
          watch(pool.starmap(tasks.sleepy, [[i, 100], [i, 100]], { signal }));
          watch(pool.imap(tasks.sqrAsync, [i], { signal }).next());
        }
        await sleep(20);
        const reason = { not: "an error" };
        controller.abort(reason);
        for (const [i, call] of calls.entries()) {
          const result = await call;
          if (!result.ok) assert.equal(result.error, reason, `call #${i}`);
        }
        assert.equal(await pool.apply(tasks.sqr, [9]), 81);
      } finally {
        await pool.terminate();
      }
    });
  });
}

describe("ThreadPool task that terminates its own pool", () => {
  test("terminate() called inside a running task resolves, and the task's call rejects with PoolTerminatedError", async () => {
    const pool = new ThreadPool(2);
    let terminated: Outcome | undefined;
    const call = outcome(
      pool.apply(async () => {
        terminated = await outcome(pool.terminate(), "terminate() in task");
        return 1;
      }),
      "apply",
    );
    const result = await call;
    assert.ok(!result.ok && result.error instanceof PoolTerminatedError);
    await sleep(10);
    assert.deepEqual(terminated, { ok: true, value: undefined });
    assert.equal(pool.state, "terminated");
  });
});

describe("ThreadPool abort storm and the concurrency limit", () => {
  test("aborting running, queued and fresh calls never lets more than `processes` run at once", async () => {
    const processes = 2;
    const pool = new ThreadPool({ processes, module: tasksUrl });
    let running = 0;
    let most = 0;
    const task = async (x: number, ms = 3): Promise<number> => {
      running++;
      most = Math.max(most, running);
      await sleep(ms);
      running--;
      return x;
    };
    try {
      const random = seeded(77);
      const runs: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        const controller = new AbortController();
        const ms = 2 + below(random, 15);
        const call = random() < 0.5
          ? pool.apply(task, [i, ms], { signal: controller.signal })
          : pool.map(task, [i, i].map((v) => v), {
            signal: controller.signal,
          });
        runs.push(outcome(call, `call #${i}`));
        if (random() < 0.6) {
          setTimeout(() => controller.abort(new Error("x")), below(random, 30));
        }
        if (random() < 0.3) await sleep(below(random, 5));
      }
      await Promise.all(runs);
      // Aborted tasks still run to their end; wait for them.
      while (running > 0) await sleep(5);
      assert.ok(most <= processes, `${most} tasks ran at once`);
      assert.deepEqual(await pool.map(task, [1, 2], { chunkSize: 1 }), [1, 2]);
    } finally {
      await pool.terminate();
    }
  });
});
