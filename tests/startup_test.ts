// Pool's start-up: its workers start as the pool is created, one per turn of
// the event loop (starting one may block the thread, as Deno's `new Worker()`
// does), and the first work goes to the first worker ready, never to one
// still starting. Asserts order and turns, never times.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as mp from "../mod.ts";
import type { WorkerAdapter, WorkerHandle } from "../mod.ts";
import { adapter as base } from "./_pools.ts";
import { poolTasksUrl, sleep, until } from "./_helpers.ts";

type Tasks = typeof import("./testdata/pool_tasks.ts");
const module = poolTasksUrl;
const tasks: Tasks = await import(module);

/** Runs `callback` in the next turn of the event loop (after the pool's own). */
const nextTurn: (callback: () => void) => void =
  (globalThis as { setImmediate?: (callback: () => void) => void })
    .setImmediate ?? ((callback) => setTimeout(callback, 0));

/** `promise`'s value, or `fallback` if it takes longer than `ms`. */
async function within<T, F>(
  promise: Promise<T>,
  ms: number,
  fallback: F,
): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<F>((resolve) => timer = setTimeout(resolve, ms, fallback)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A worker whose messages to the pool are held back until `release()`: to
 * the pool it is still starting.
 */
function holding(handle: WorkerHandle): {
  handle: WorkerHandle;
  release(): void;
} {
  let held: unknown[] | undefined = [];
  const listeners: ((message: unknown) => void)[] = [];
  handle.onMessage((message) => {
    if (held) held.push(message);
    else for (const listener of listeners) listener(message);
  });
  return {
    handle: {
      ...handle,
      onMessage: (listener) => void listeners.push(listener),
    },
    release() {
      const messages = held ?? [];
      held = undefined;
      for (const message of messages) {
        for (const listener of listeners) listener(message);
      }
    },
  };
}

describe("Pool start-up", () => {
  test("Pool(4) runs the first chunk on the first worker ready, not on the first one spawned", async () => {
    let first: ReturnType<typeof holding> | undefined;
    const adapter: WorkerAdapter = {
      name: `${base.name}-first-held`,
      capabilities: base.capabilities,
      spawn(url, options) {
        const handle = base.spawn(url, options);
        if (first !== undefined) return handle;
        first = holding(handle);
        return first.handle;
      },
    };
    const pool = new mp.Pool({ processes: 4, adapter, module });
    try {
      // The first worker spawned says nothing: the call must not wait for it.
      const answer = await within(
        pool.apply(tasks.workerId),
        15_000,
        "waited for the worker still starting",
      );
      assert.equal(typeof answer, "number");
      first!.release();
      assert.deepEqual(await pool.map(Math.sqrt, [1, 4, 9, 16], 1), [
        1,
        2,
        3,
        4,
      ]);
      assert.equal(pool.stats().workers, 4);
    } finally {
      first?.release();
      await pool.terminate();
    }
  });

  test("work submitted while every worker is starting runs once one is ready", async () => {
    const held: ReturnType<typeof holding>[] = [];
    const adapter: WorkerAdapter = {
      name: `${base.name}-all-held`,
      capabilities: base.capabilities,
      spawn(url, options) {
        const worker = holding(base.spawn(url, options));
        held.push(worker);
        return worker.handle;
      },
    };
    const pool = new mp.Pool({ processes: 2, adapter, module });
    try {
      const squares = pool.map(Math.sqrt, [1, 4, 9, 16, 25], 1);
      await until("both workers spawned", () => held.length === 2);
      await sleep(50);
      held[1].release();
      held[0].release();
      assert.deepEqual(await squares, [1, 2, 3, 4, 5]);
    } finally {
      for (const worker of held) worker.release();
      await pool.terminate();
    }
  });

  test("a fresh Pool(4) starts one worker per event-loop turn, so no caller waits on more than one spawn", async () => {
    let spawns = 0;
    let inSameTurn = 0;
    let turnOpen = false;
    const adapter: WorkerAdapter = {
      name: `${base.name}-turns`,
      capabilities: base.capabilities,
      spawn(url, options) {
        spawns++;
        if (turnOpen) inSameTurn++;
        turnOpen = true;
        nextTurn(() => turnOpen = false);
        return base.spawn(url, options);
      },
    };
    const pool = new mp.Pool({ processes: 4, adapter, module });
    try {
      assert.equal(spawns, 0, "no worker is spawned in the constructor");
      assert.equal(await pool.apply(Math.sqrt, [16]), 4);
      await until("four workers spawned", () => spawns === 4);
      assert.equal(inSameTurn, 0, "two workers were spawned in one turn");
      assert.equal(pool.stats().workers, 4);
    } finally {
      await pool.terminate();
    }
  });

  test("terminate() while workers are starting stops the others from starting", async () => {
    let spawns = 0;
    let terminated: Promise<void> | undefined;
    const adapter: WorkerAdapter = {
      name: `${base.name}-terminated-at-first`,
      capabilities: base.capabilities,
      spawn(url, options) {
        // Terminate in the turn of the first spawn.
        if (++spawns === 1) queueMicrotask(() => terminated = pool.terminate());
        return base.spawn(url, options);
      },
    };
    const pool = new mp.Pool({ processes: 4, adapter, module });
    await until(
      "a worker spawned and the pool terminated",
      () => terminated !== undefined,
    );
    await terminated;
    for (let turn = 0; turn < 5; turn++) {
      await new Promise<void>((resolve) => nextTurn(resolve));
    }
    await sleep(20);
    assert.equal(spawns, 1);
    assert.equal(pool.stats().workers, 0);
  });
});
