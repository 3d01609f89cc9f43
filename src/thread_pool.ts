/**
 * {@linkcode ThreadPool}: Python's `multiprocessing.pool.ThreadPool` on the
 * caller's own event loop.
 *
 * @module
 */

import type {
  Chunk,
  Executor,
  ExecutorConfig,
  ExecutorHost,
} from "./_executor.ts";
import { exportNamed, type Fn, TaskModule } from "./_module.ts";
import { PoolBase } from "./_pool_base.ts";
import { type ChunkResult, runChunk } from "./_run_chunk.ts";
import { startTimer, type Timer } from "./_timer.ts";
import { TaskControl, TaskLane } from "./_task_context.ts";
import { PoolTerminatedError, TimeoutError } from "./errors.ts";
import type { PoolOptions, Task } from "./types.ts";

/** A chunk's per-task timer, and whether it fired. */
interface Watch {
  timer?: Timer;
  fired: boolean;
}

interface Slot {
  /** The initializer's run for the slot's current "thread", once started. */
  init?: Promise<void>;
  /** Whether that run has finished. */
  initialized: boolean;
  /** Chunks run since the slot was last (re)initialized. */
  chunks: number;
  /** The context its chunks of one call run in (see TaskLane). */
  lane?: TaskLane;
}

/** What #watch returns for a chunk without a timeout: never written. */
const UNWATCHED: Watch = { fired: false };

// Runs chunks in-process, at most `processes` at once, each in a slot that
// plays the part of one of Python's worker threads.
class InlineExecutor implements Executor<Fn> {
  #host: ExecutorHost;
  #config: ExecutorConfig;
  #slots: Slot[] = [];
  #free: Slot[] = [];
  #running = new Map<Chunk<Fn>, Slot>();
  /** The taskSignal() and progress() of each running chunk. */
  #controls = new Map<Chunk<Fn>, TaskControl>();
  #cancelled = new Set<Chunk<Fn>>();
  #module: TaskModule | undefined;
  #stopped = false;

  constructor(host: ExecutorHost, config: ExecutorConfig) {
    this.#host = host;
    this.#config = config;
    if (config.module !== undefined) {
      this.#module = new TaskModule(config.module);
    }
    for (let i = 0; i < config.processes; i++) {
      this.#slots.push({ initialized: false, chunks: 0 });
    }
    this.#free = [...this.#slots];
    // Like CPython, every "thread" runs the initializer as the pool starts.
    if (config.initializer !== undefined) {
      queueMicrotask(() => {
        if (this.#stopped) return;
        for (const slot of this.#slots) this.#initialize(slot).catch(() => {});
      });
    }
  }

  prepare(task: Task): Fn | Promise<Fn> {
    return typeof task === "function" ? task : exportNamed(this.#module, task);
  }

  hasCapacity(): boolean {
    return this.#free.length > 0;
  }

  run(chunk: Chunk<Fn>): void {
    const slot = this.#free.pop()!;
    this.#running.set(chunk, slot);
    if (slot.initialized || this.#config.initializer === undefined) {
      return this.#execute(slot, chunk);
    }
    this.#initialize(slot).then(
      () => this.#execute(slot, chunk),
      () => this.#release(chunk, slot),
    );
  }

  // Runs the initializer once per slot "thread"; a failure breaks the pool.
  #initialize(slot: Slot): Promise<void> {
    slot.init ??= (async () => {
      const initializer = await this.prepare(this.#config.initializer!);
      await initializer(...this.#config.initArgs);
      slot.initialized = true;
    })();
    slot.init.catch((error) => this.#host.broken(error));
    return slot.init;
  }

  #execute(slot: Slot, chunk: Chunk<Fn>): void {
    if (this.#running.get(chunk) !== slot) return;
    if (this.#cancelled.has(chunk)) return this.#release(chunk, slot);
    const control = new TaskControl(chunk.hooks?.progress);
    this.#controls.set(chunk, control);
    const timer = this.#watch(chunk, control);
    let lane = slot.lane;
    if (lane === undefined || lane.call !== chunk.call) {
      lane = slot.lane = new TaskLane(chunk.call);
    }
    const result = lane.run(
      control,
      () => runChunk(chunk.task, chunk.items, chunk.star, control),
    );
    if (result instanceof Promise) {
      result.then((done) => this.#complete(slot, chunk, done, timer));
    } else this.#complete(slot, chunk, result, timer);
  }

  // With a `timeout`, each item has that long from its start: past it, its
  // taskSignal() aborts and the chunk fails with TimeoutError at once, while
  // the slot stays taken until the task really ends.
  #watch(chunk: Chunk<Fn>, control: TaskControl): Watch {
    const ms = chunk.hooks?.timeout;
    if (ms === undefined || ms === Infinity) return UNWATCHED;
    const watch: Watch = { fired: false };
    control.onItem = () => {
      watch.timer?.clear();
      watch.timer = startTimer(ms, () => {
        const error = new TimeoutError(`Task timed out after ${ms} ms`);
        watch.fired = true;
        control.abort(error);
        chunk.fail(error);
      });
    };
    return watch;
  }

  #complete(
    slot: Slot,
    chunk: Chunk<Fn>,
    result: ChunkResult,
    watch: Watch,
  ): void {
    watch.timer?.clear();
    this.#controls.get(chunk)?.finish();
    this.#controls.delete(chunk);
    this.#release(chunk, slot);
    chunk.settle(result.values, result.errors);
    // A chunk that timed out was settled then: its slot is free only now.
    if (watch.fired) this.#host.pump();
  }

  // Frees the chunk's slot, unless a cancel already did; counts the chunk
  // towards maxTasksPerChild, after which the slot is initialized anew.
  #release(chunk: Chunk<Fn>, slot: Slot): void {
    if (this.#running.get(chunk) !== slot) return;
    this.#running.delete(chunk);
    // A cancelled chunk settles no more, so nothing else would pump.
    if (this.#cancelled.delete(chunk)) queueMicrotask(() => this.#host.pump());
    const max = this.#config.maxTasksPerChild;
    if (max !== undefined && ++slot.chunks >= max) {
      slot.init = undefined;
      slot.initialized = false;
      slot.chunks = 0;
    }
    if (!this.#stopped) this.#free.push(slot);
  }

  // An aborted chunk keeps its slot until its task really settles (a task
  // cannot be stopped from outside, only asked to stop through its
  // taskSignal()), so `processes` bounds what runs; one still waiting for its
  // slot's initializer never starts.
  cancel(chunk: Chunk<Fn>, reason?: unknown): void {
    this.#controls.get(chunk)?.abort(reason);
    if (this.#running.has(chunk)) this.#cancelled.add(chunk);
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled(this.#slots.map((slot) => slot.init));
  }

  workers(): { workers: number; busy: number } {
    return {
      workers: this.#stopped ? 0 : this.#slots.length,
      busy: this.#stopped ? 0 : this.#slots.length - this.#free.length,
    };
  }

  terminate(): Promise<void> {
    this.#stopped = true;
    const terminated = new PoolTerminatedError("Pool was terminated");
    for (const control of this.#controls.values()) control.abort(terminated);
    this.#controls.clear();
    this.#free = [];
    this.#running.clear();
    this.#cancelled.clear();
    return Promise.resolve();
  }
}

/**
 * A pool that runs tasks concurrently on the caller's own event loop, at most
 * `processes` chunks at once: for I/O-bound and `async` work (fetch, files,
 * databases). Tasks share memory with the caller, so closures and any value
 * work and nothing is copied. It has the same methods as {@linkcode Pool}.
 *
 * @example Fetch at most four URLs at a time
 * ```ts ignore
 * import { ThreadPool } from "@multipool/multipool";
 *
 * const urls = ["https://example.com/a", "https://example.com/b"];
 * const pool = new ThreadPool(4);
 * const sizes = await pool.map(async (url: string) => {
 *   const response = await fetch(url);
 *   return (await response.arrayBuffer()).byteLength;
 * }, urls);
 * console.log(sizes);
 * pool.close();
 * await pool.join();
 * ```
 *
 * @example Usage
 * ```ts
 * import { ThreadPool } from "@multipool/multipool";
 * import assert from "node:assert/strict";
 *
 * const pool = new ThreadPool({ processes: 2 });
 * assert.deepEqual(await pool.map((x: number) => x * 2, [1, 2, 3]), [2, 4, 6]);
 * assert.equal(await pool.apply((a: number, b: number) => a + b, [1, 2]), 3);
 * pool.close();
 * await pool.join();
 * ```
 *
 * @typeParam M The task module's type (`typeof import("./tasks.ts")`), to
 * type calls by task name; without it any name is accepted.
 */
export class ThreadPool<M = unknown> extends PoolBase<M> {
  /**
   * Creates a thread pool.
   *
   * @param options How many tasks run at once (default: the CPU count), or
   * {@linkcode PoolOptions}.
   * @throws {RangeError} If `processes` is not a positive integer.
   */
  constructor(options?: number | PoolOptions) {
    super(options, (host, config) => new InlineExecutor(host, config));
  }
}
