// Adversarial suite, part 1: crash storms, terminate races and abort storms on
// both pools. Every call must settle (a hang fails the test through
// `outcome()`), with the value or the error API.md names, and the pool must
// keep working. Seeded, so a failure replays.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Pool as WorkerPool,
  PoolClosedError,
  PoolTerminatedError,
  ThreadPool,
  WorkerCrashedError,
} from "../mod.ts";
import { pools } from "./_pools.ts";
import { make, tasks, tasksUrl } from "./_helpers.ts";
import {
  below,
  endless,
  type Outcome,
  outcome,
  seeded,
  sleep,
} from "./_adversary.ts";

const extension = new URL(import.meta.url).pathname.endsWith(".ts")
  ? "ts"
  : "js";
const crashModule =
  new URL(`./testdata/pool_tasks.${extension}`, import.meta.url).href;

/** Calls every task method once and asserts each throws PoolClosedError synchronously. */
function assertClosedSync(pool: InstanceType<typeof ThreadPool>): void {
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
    assert.throws(call, PoolClosedError, `${name} did not throw synchronously`);
  }
}

describe("Pool crash storm", () => {
  test("exits, uncaught errors and unhandled rejections amid work: every call settles, the pool goes on", async () => {
    const pool = new WorkerPool({ processes: 2, module: crashModule });
    try {
      const random = seeded(8);
      const calls: { kind: string; done: Promise<Outcome>; i: number }[] = [];
      for (let i = 0; i < 36; i++) {
        const kind = ["exit", "uncaught", "rejection", "value", "map", "throw"][
          below(random, 6)
        ];
        const done = kind === "exit"
          ? pool.apply("processExit", [1])
          : kind === "uncaught"
          ? pool.apply("uncaught", [`u${i}`])
          : kind === "rejection"
          ? pool.apply("unhandledRejection", [`r${i}`])
          : kind === "value"
          ? pool.apply("sleepy", [i, below(random, 10)])
          : kind === "map"
          ? pool.map("sleepy", [i, i + 1, i + 2], 1)
          : pool.apply("throwChain");
        calls.push({ kind, done: outcome(done, `${kind} #${i}`, 40_000), i });
      }
      for (const { kind, done, i } of calls) {
        const result = (await done) as Outcome;
        if (kind === "value") assert.deepEqual(result, { ok: true, value: i });
        else if (kind === "map") {
          assert.deepEqual(result, { ok: true, value: [i, i + 1, i + 2] });
        } else if (kind === "throw") {
          assert.ok(!result.ok && result.error instanceof TypeError);
        } else {
          assert.ok(
            !result.ok && result.error instanceof WorkerCrashedError,
            `${kind} #${i}: ${JSON.stringify(result)}`,
          );
        }
      }
      assert.deepEqual(await pool.map("sleepy", [1, 2, 3, 4]), [1, 2, 3, 4]);
    } finally {
      await pool.terminate();
    }
  });

  test("crashes concurrent with terminate(): every call settles, the rest reject with PoolTerminatedError", async () => {
    const pool = new WorkerPool({ processes: 2, module: crashModule });
    const calls: Promise<Outcome>[] = [];
    for (let i = 0; i < 12; i++) {
      calls.push(
        outcome(
          pool.apply(i % 2 ? "processExit" : "uncaught", [1]),
          `crash ${i}`,
        ),
      );
      calls.push(outcome(pool.apply("sleepy", [i, 50]), `sleepy ${i}`));
    }
    await sleep(30);
    await outcome(pool.terminate(), "terminate()");
    for (const [i, call] of calls.entries()) {
      const result = await call;
      assert.ok(!result.ok, `call #${i} fulfilled after terminate`);
      assert.ok(
        result.error instanceof PoolTerminatedError ||
          result.error instanceof WorkerCrashedError,
        `call #${i}: ${result.error}`,
      );
    }
  });
});

for (const Pool of pools) {
  describe(`${Pool.name} terminate races`, () => {
    test("terminate() right after construction resolves; calls then throw PoolClosedError synchronously", async () => {
      const pool = make(Pool);
      await outcome(pool.terminate(), "terminate()");
      assert.equal(pool.state, "terminated");
      assertClosedSync(pool);
      await outcome(pool.join(), "join() after terminate()");
    });

    test("calls submitted in the same tick as terminate() all reject with PoolTerminatedError", async () => {
      const pool = make(Pool);
      const calls: Promise<Outcome>[] = [
        pool.apply(tasks.sqr, [2]),
        pool.applyAsync(tasks.sqr, [2]),
        pool.map(tasks.sqr, [1, 2, 3]),
        pool.mapAsync(tasks.sqr, [1, 2, 3]),
        pool.starmap(tasks.add, [[1, 2]]),
        pool.starmapAsync(tasks.add, [[1, 2]]),
        pool.imap(tasks.sqr, [1, 2]).next(),
        pool.imapUnordered(tasks.sqr, [1, 2]).next(),
      ].map((call, i) => outcome(call, `call #${i}`));
      const terminated = pool.terminate();
      for (const [i, call] of calls.entries()) {
        const result = await call;
        assert.ok(
          !result.ok && result.error instanceof PoolTerminatedError,
          `call #${i}: ${JSON.stringify(result)}`,
        );
      }
      await outcome(terminated, "terminate()");
    });

    test("terminate() while the initializer runs rejects pending calls with PoolTerminatedError", async () => {
      const pool = make(Pool, {
        initializer: tasks.sleepy,
        initArgs: [0, 300],
      });
      const call = outcome(pool.apply(tasks.sqr, [3]), "apply");
      const mapped = outcome(pool.map(tasks.sqr, [1, 2, 3], 1), "map");
      await sleep(20);
      await outcome(pool.terminate(), "terminate()");
      for (const done of [call, mapped]) {
        const result = await done;
        assert.ok(!result.ok && result.error instanceof PoolTerminatedError);
      }
    });

    test("terminate() twice at once, then after close(), then join(): all resolve", async () => {
      const pool = make(Pool);
      const pending = outcome(
        pool.map(tasks.sqrAsync, [1, 2, 3, 4, 5, 6], 1),
        "map",
      );
      pool.close();
      const both = Promise.all([pool.terminate(), pool.terminate()]);
      await outcome(both, "two terminate()");
      await outcome(pool.terminate(), "third terminate()");
      await outcome(pool.join(), "join()");
      const result = await pending;
      // The map resolves quickly and may win the race.
      assert.ok(result.ok || result.error instanceof PoolTerminatedError);
      assertClosedSync(pool);
    });

    test("terminate() mid-imap over an endless input rejects next() and stops reading", async () => {
      const pool = make(Pool);
      const input = endless(1);
      const iterator = pool.imap(tasks.sqr, input.iterable);
      for (let i = 0; i < 3; i++) {
        const step = await outcome(iterator.next(), `next #${i}`);
        assert.deepEqual(step, {
          ok: true,
          value: { done: false, value: i * i },
        });
      }
      const pending = outcome(iterator.next(), "next() pending at terminate");
      await outcome(pool.terminate(), "terminate()");
      const after = await pending;
      assert.ok(after.ok || after.error instanceof PoolTerminatedError);
      const later = await outcome(iterator.next(), "next() after terminate");
      assert.ok(
        (later.ok && (later.value as IteratorResult<unknown>).done) ||
          (!later.ok && later.error instanceof PoolTerminatedError),
        JSON.stringify(later),
      );
      const reads = input.reads();
      await sleep(50);
      assert.equal(input.reads(), reads, "the input is still being read");
      assert.ok(input.returned(), "return() of the input was not called");
    });

    test("terminate() during map over an endless async iterable rejects and stops reading", async () => {
      const pool = make(Pool);
      const input = endless(1);
      const mapped = outcome(pool.map(tasks.sqr, input.iterable), "map");
      await sleep(30);
      await outcome(pool.terminate(), "terminate()");
      const result = await mapped;
      assert.ok(!result.ok && result.error instanceof PoolTerminatedError);
      const reads = input.reads();
      await sleep(50);
      assert.equal(input.reads(), reads, "the input is still being read");
      assert.ok(input.returned(), "return() of the input was not called");
    });

    test("terminate() from inside a callback and an errorCallback settles everything", async () => {
      const pool = make(Pool);
      const others = outcome(pool.map(tasks.sqrAsync, [1, 2, 3, 4], 1), "map");
      let terminated: Promise<void> | undefined;
      const first = pool.applyAsync(tasks.sqr, [5], {
        callback: () => {
          terminated = pool.terminate();
        },
      });
      const second = pool.applyAsync(tasks.throwError, ["x"], {
        errorCallback: () => {
          terminated ??= pool.terminate();
        },
      });
      await outcome(first.get(), "first");
      await outcome(second.get(), "second");
      await others;
      assert.ok(terminated);
      await outcome(terminated, "terminate()");
      assert.equal(pool.state, "terminated");
      assertClosedSync(pool);
    });

    test("seeded interleavings of calls, aborts, close() and terminate() always settle", async () => {
      for (let seed = 1; seed <= 6; seed++) {
        const random = seeded(seed);
        const pool = make(Pool);
        const watched: Promise<Outcome>[] = [];
        const push = (p: PromiseLike<unknown>): void => {
          watched.push(outcome(p, `seed ${seed} call #${watched.length}`));
        };
        let closed = false;
        for (let step = 0; step < 25; step++) {
          const op = below(random, 10);
          const controller = new AbortController();
          const signal = controller.signal;
          try {
            if (op < 3) {
              push(pool.apply(tasks.sleepy, [step, below(random, 8)], {
                signal,
              }));
            } else if (op < 5) {
              push(
                pool.map(tasks.sqr, [1, 2, 3, 4, 5], { chunkSize: 2, signal }),
              );
            } else if (op < 7) {
              const iterator = pool.imap(tasks.sqrAsync, [1, 2, 3], { signal });
              push(iterator.next());
              if (random() < 0.5) push(iterator.return!());
            } else if (op === 7) {
              pool.close();
              closed = true;
            } else if (op === 8) {
              push(pool.terminate());
            } else {
              push(pool.mapAsync(tasks.sqr, [step], { signal }).get());
            }
            if (random() < 0.4) controller.abort(new Error(`abort ${step}`));
          } catch (error) {
            assert.ok(
              error instanceof PoolClosedError,
              `seed ${seed} step ${step}: ${error}`,
            );
            assert.ok(closed || pool.state === "terminated");
          }
          if (random() < 0.3) await sleep(below(random, 5));
        }
        if (random() < 0.5) pool.close();
        push(random() < 0.5 ? pool.terminate() : pool.join());
        await Promise.all(watched);
        await outcome(pool.terminate(), `seed ${seed} final terminate()`);
      }
    });
  });

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
