// Failures nobody asked about stay quiet: an AsyncResult or imap iterator that
// fails without being awaited must not raise an unhandled rejection (CPython's
// apply_async lets you check successful() later, or only use error_callback).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pools } from "./_pools.ts";
import {
  collect,
  counting,
  make,
  Probe,
  sleep,
  tasks,
  withPool,
} from "./_helpers.ts";

interface Emitter {
  on(event: string, listener: (reason: unknown) => void): unknown;
  off(event: string, listener: (reason: unknown) => void): unknown;
}

/** Runs `body`, then reports every unhandled rejection seen meanwhile (and shortly after). */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const emitter = (globalThis as unknown as { process: Emitter }).process;
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  emitter.on("unhandledRejection", listener);
  try {
    await body();
    await sleep(50);
  } finally {
    emitter.off("unhandledRejection", listener);
  }
  return seen;
}

for (const Pool of pools) {
  describe(`${Pool.name} unobserved failures`, () => {
    test("a failed AsyncResult that is never awaited raises no unhandled rejection", async () => {
      const seen = await unhandledDuring(async () => {
        await withPool(Pool, {}, async (pool) => {
          const single = pool.applyAsync(tasks.throwError, ["nobody listens"]);
          const list = pool.mapAsync(tasks.sqrNonNegative, [-1]);
          const handled = pool.applyAsync(tasks.throwError, [
            "errorCallback listens",
          ], {
            errorCallback: () => {},
          });
          pool.close();
          await pool.join();
          assert.equal(single.successful(), false);
          assert.equal(list.successful(), false);
          assert.equal(handled.successful(), false);
        });
      });
      assert.deepEqual(seen, []);
    });

    test("terminate() raises no unhandled rejection for results and iterators nobody awaits", async () => {
      const probe = new Probe();
      const seen = await unhandledDuring(async () => {
        const pool = make(Pool);
        try {
          const result = pool.applyAsync(tasks.gated, [probe.item(0)]);
          pool.imap(tasks.gated, [probe.item(1)]);
          pool.imapUnordered(tasks.gated, [probe.item(2)]);
          pool.mapAsync(tasks.gated, [probe.item(3)]);
          await probe.waitStarted(2);
          await pool.terminate();
          assert.equal(result.ready(), true);
        } finally {
          probe.release();
          await pool.terminate();
        }
      });
      assert.deepEqual(seen, []);
    });

    test("an aborted AsyncResult nobody awaits raises no unhandled rejection", async () => {
      const seen = await unhandledDuring(async () => {
        await withPool(Pool, {}, async (pool) => {
          const controller = new AbortController();
          const result = pool.applyAsync(tasks.sleepy, [1, 20], {
            signal: controller.signal,
          });
          pool.imap(tasks.sqrAsync, [1, 2], { signal: controller.signal });
          controller.abort(new Error("aborted, unobserved"));
          await sleep(10);
          assert.equal(result.ready(), true);
          assert.equal(result.successful(), false);
        });
      });
      assert.deepEqual(seen, []);
    });
  });

  describe(`${Pool.name} imap after close`, () => {
    test("imap over a generator, close(), join(): the rest of the input is still processed", async () => {
      const pool = make(Pool);
      try {
        const input = counting(30);
        const iterator = pool.imap(tasks.sqr, input.iterable, {
          bufferSize: 1,
        });
        assert.deepEqual(await iterator.next(), { value: 0, done: false });
        pool.close();
        await pool.join();
        assert.equal(input.reads(), 30);
        const rest = await collect(iterator);
        assert.deepEqual(
          rest,
          Array.from({ length: 29 }, (_, i) => (i + 1) ** 2),
        );
      } finally {
        await pool.terminate();
      }
    });

    test("a next() pending when return() is called still settles", async () => {
      const probe = new Probe();
      await withPool(Pool, {}, async (pool) => {
        try {
          const iterator = pool.imap(tasks.gated, probe.items(3));
          const pending = iterator.next();
          await probe.waitStarted(1);
          await iterator.return!();
          probe.release();
          let timer: ReturnType<typeof setTimeout> | undefined;
          const step = await Promise.race([
            pending,
            new Promise((resolve) =>
              timer = setTimeout(() => resolve("still pending"), 5000)
            ),
          ]);
          clearTimeout(timer);
          assert.notEqual(step, "still pending");
          assert.equal((await iterator.next()).done, true);
        } finally {
          probe.release();
        }
      });
    });
  });
}
