// Adversarial suite: crash storms and terminate races on both pools. Every call must settle (a hang fails the test through
// `outcome()`), with the value or the error API.md names, and the pool must
// keep working. Seeded, so a failure replays.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Pool as WorkerPool,
  PoolClosedError,
  PoolTerminatedError,
  WorkerCrashedError,
} from "../mod.ts";
import { type AnyPool, pools } from "./_pools.ts";
import { make, poolTasksUrl, tasks } from "./_helpers.ts";
import {
  below,
  endless,
  type Outcome,
  outcome,
  seeded,
  sleep,
} from "./_adversary.ts";

const crashModule = poolTasksUrl;

/** Calls every task method once and asserts each throws PoolClosedError synchronously. */
function assertClosedSync(pool: AnyPool): void {
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
  test(
    "exits, uncaught errors and unhandled rejections amid work: every call settles, the pool goes on",
    async () => {
      const pool = new WorkerPool({ processes: 2, module: crashModule });
      try {
        const random = seeded(8);
        const calls: { kind: string; done: Promise<Outcome>; i: number }[] = [];
        for (let i = 0; i < 36; i++) {
          const kind =
            ["exit", "uncaught", "rejection", "value", "map", "throw"][
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
          if (kind === "value") {
            assert.deepEqual(result, { ok: true, value: i });
          } else if (kind === "map") {
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
    },
  );

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
}
