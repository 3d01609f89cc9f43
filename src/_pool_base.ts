// The methods both pools share; where chunks run is the executor's business.
import type { ExecutorFactory } from "./_executor.ts";
import type { AsyncResult } from "./async_result.ts";
import type { IMapIterator } from "./imap_iterator.ts";
import { type AnyCallOptions, poolConfig } from "./_options.ts";
import { startApply, startIMapFamily, startMapFamily } from "./_pool_calls.ts";
import { Scheduler } from "./_scheduler.ts";
import type {
  AnyTaskFunction,
  ApplyAsyncOptions,
  ApplyOptions,
  CallArgs,
  CallItem,
  CallValue,
  IMapOptions,
  MapAsyncOptions,
  MapOptions,
  PoolOptions,
  PoolState,
  PoolStats,
  TaskByName,
  TaskName,
  TaskOf,
} from "./types.ts";

/**
 * The runtime-agnostic core of {@linkcode ThreadPool} and {@linkcode Pool}:
 * every method of Python's pool, on whatever executor the subclass provides.
 *
 * @example Usage
 * ```ts
 * import { type PoolBase, ThreadPool } from "@multipool/multipool";
 *
 * const pool: PoolBase = new ThreadPool(2);
 * console.log(await pool.map((x: number) => x + 1, [1, 2])); // [2, 3]
 * await pool.terminate();
 * ```
 */
export class PoolBase<M = unknown> {
  #scheduler: Scheduler;

  /**
   * Creates a pool over the executor `makeExecutor` builds.
   *
   * @param options The worker count, or {@linkcode PoolOptions}.
   * @param makeExecutor Builds where chunks run (in-process or in workers).
   */
  protected constructor(
    options: number | PoolOptions | undefined,
    makeExecutor: ExecutorFactory,
  ) {
    this.#scheduler = new Scheduler(poolConfig(options), makeExecutor);
  }

  /** How many tasks run at once. */
  get processes(): number {
    return this.#scheduler.processes;
  }

  /** `"running"`, then `"closed"` after `close()` or `"terminated"` after `terminate()`. */
  get state(): PoolState {
    return this.#scheduler.state;
  }

  /**
   * A snapshot of the pool's work: workers (ThreadPool: slots) and how many
   * are busy, chunks queued and running, and tasks completed and failed so
   * far. A few counters: cheap enough to call in a loop.
   *
   * @returns `{ workers, busy, queuedChunks, runningChunks, completedTasks, failedTasks }`.
   *
   * @example Usage
   * ```ts
   * import { ThreadPool } from "@multipool/multipool";
   * import assert from "node:assert/strict";
   *
   * const pool = new ThreadPool(2);
   * await pool.map((x: number) => x, [1, 2, 3], 1);
   * const stats = pool.stats();
   * assert.equal(stats.workers, 2);
   * assert.equal(stats.completedTasks, 3);
   * await pool.terminate();
   * ```
   */
  stats(): PoolStats {
    return this.#scheduler.stats();
  }

  /**
   * Runs `fn(...args)` once and waits for the value.
   *
   * @param fn The task.
   * @param args Its arguments.
   * @param options `signal`, `transfer`.
   * @returns The task's value.
   */
  apply<
    A extends unknown[],
    R,
    K extends TaskName<M> | AnyTaskFunction = AnyTaskFunction,
  >(
    fn: TaskOf<A, R, M> | TaskByName<M, K>,
    args?: CallArgs<M, K, A>,
    options?: ApplyOptions,
  ): Promise<CallValue<M, K, R>> {
    return this.applyAsync(fn, args, options).get();
  }

  /**
   * Runs `fn(...args)` once; returns at once with an {@linkcode AsyncResult}.
   *
   * @param fn The task.
   * @param args Its arguments.
   * @param options `signal`, `transfer`, `callback`, `errorCallback`.
   * @returns The pending result.
   */
  applyAsync<
    A extends unknown[],
    R,
    K extends TaskName<M> | AnyTaskFunction = AnyTaskFunction,
  >(
    fn: TaskOf<A, R, M> | TaskByName<M, K>,
    args?: CallArgs<M, K, A>,
    options?: ApplyAsyncOptions<CallValue<M, K, R>>,
  ): AsyncResult<CallValue<M, K, R>> {
    return startApply(this.#scheduler, fn, args, options as AnyCallOptions);
  }

  /**
   * Runs `fn(item)` for every item, in chunks; the values come in input order.
   *
   * @param fn The task.
   * @param iterable The inputs (Iterable or AsyncIterable).
   * @param options `chunkSize` (or that number alone), `signal`.
   * @returns The values in input order.
   */
  map<T, R, K extends TaskName<M> | AnyTaskFunction = AnyTaskFunction>(
    fn: TaskOf<[T], R, M> | TaskByName<M, K>,
    iterable:
      | Iterable<CallItem<M, K, T>>
      | AsyncIterable<CallItem<M, K, T>>,
    options?: number | MapOptions<CallItem<M, K, T>>,
  ): Promise<CallValue<M, K, R>[]> {
    return this.mapAsync(fn, iterable, options).get();
  }

  /**
   * `map` that returns at once with an {@linkcode AsyncResult}.
   *
   * @param fn The task.
   * @param iterable The inputs (Iterable or AsyncIterable).
   * @param options `chunkSize` (or that number alone), `signal`, `callback`, `errorCallback`.
   * @returns The pending list of values.
   */
  mapAsync<T, R, K extends TaskName<M> | AnyTaskFunction = AnyTaskFunction>(
    fn: TaskOf<[T], R, M> | TaskByName<M, K>,
    iterable:
      | Iterable<CallItem<M, K, T>>
      | AsyncIterable<CallItem<M, K, T>>,
    options?:
      | number
      | MapAsyncOptions<
        CallValue<M, K, R>[],
        CallItem<M, K, T>
      >,
  ): AsyncResult<CallValue<M, K, R>[]> {
    return startMapFamily(
      this.#scheduler,
      "map",
      fn,
      iterable,
      false,
      options as AnyCallOptions,
    );
  }

  /**
   * Runs `fn(...item)` for every item (Python's `starmap`).
   *
   * @param fn The task.
   * @param iterable Argument lists (Iterable or AsyncIterable).
   * @param options `chunkSize` (or that number alone), `signal`.
   * @returns The values in input order.
   */
  starmap<
    A extends unknown[],
    R,
    K extends TaskName<M> | AnyTaskFunction = AnyTaskFunction,
  >(
    fn: TaskOf<A, R, M> | TaskByName<M, K>,
    iterable:
      | Iterable<CallArgs<M, K, A>>
      | AsyncIterable<CallArgs<M, K, A>>,
    options?: number | MapOptions<CallArgs<M, K, A>>,
  ): Promise<CallValue<M, K, R>[]> {
    return this.starmapAsync(fn, iterable, options).get();
  }

  /**
   * `starmap` that returns at once with an {@linkcode AsyncResult}.
   *
   * @param fn The task.
   * @param iterable Argument lists (Iterable or AsyncIterable).
   * @param options `chunkSize` (or that number alone), `signal`, `callback`, `errorCallback`.
   * @returns The pending list of values.
   */
  starmapAsync<
    A extends unknown[],
    R,
    K extends TaskName<M> | AnyTaskFunction = AnyTaskFunction,
  >(
    fn: TaskOf<A, R, M> | TaskByName<M, K>,
    iterable:
      | Iterable<CallArgs<M, K, A>>
      | AsyncIterable<CallArgs<M, K, A>>,
    options?:
      | number
      | MapAsyncOptions<
        CallValue<M, K, R>[],
        CallArgs<M, K, A>
      >,
  ): AsyncResult<CallValue<M, K, R>[]> {
    return startMapFamily(
      this.#scheduler,
      "starmap",
      fn,
      iterable,
      true,
      options as AnyCallOptions,
    );
  }

  /**
   * Lazily runs `fn(item)` over the input; yields values in input order.
   *
   * @param fn The task.
   * @param iterable The inputs (Iterable or AsyncIterable), read lazily.
   * @param options `chunkSize` (or that number alone; default 1), `bufferSize`, `signal`.
   * @returns An async iterator of the values.
   */
  imap<T, R, K extends TaskName<M> | AnyTaskFunction = AnyTaskFunction>(
    fn: TaskOf<[T], R, M> | TaskByName<M, K>,
    iterable:
      | Iterable<CallItem<M, K, T>>
      | AsyncIterable<CallItem<M, K, T>>,
    options?: number | IMapOptions<CallItem<M, K, T>>,
  ): IMapIterator<CallValue<M, K, R>> {
    return startIMapFamily(
      this.#scheduler,
      "imap",
      fn,
      iterable,
      true,
      options as AnyCallOptions,
      this.processes,
    );
  }

  /**
   * Like `imap`, but yields values as they complete.
   *
   * @param fn The task.
   * @param iterable The inputs (Iterable or AsyncIterable), read lazily.
   * @param options `chunkSize` (or that number alone; default 1), `bufferSize`, `signal`.
   * @returns An async iterator of the values in completion order.
   */
  imapUnordered<
    T,
    R,
    K extends TaskName<M> | AnyTaskFunction = AnyTaskFunction,
  >(
    fn: TaskOf<[T], R, M> | TaskByName<M, K>,
    iterable:
      | Iterable<CallItem<M, K, T>>
      | AsyncIterable<CallItem<M, K, T>>,
    options?: number | IMapOptions<CallItem<M, K, T>>,
  ): IMapIterator<CallValue<M, K, R>> {
    return startIMapFamily(
      this.#scheduler,
      "imapUnordered",
      fn,
      iterable,
      false,
      options as AnyCallOptions,
      this.processes,
    );
  }

  /** Stops taking new work; what was submitted still runs. Call `join()` next. */
  close(): void {
    this.#scheduler.close();
  }

  /**
   * Stops every worker now; pending and running tasks reject with
   * `PoolTerminatedError`.
   *
   * @returns A promise that resolves once the workers are stopped.
   */
  terminate(): Promise<void> {
    return this.#scheduler.terminate();
  }

  /**
   * Waits for all submitted work to finish and the workers to exit. Call
   * `close()` or `terminate()` first.
   *
   * @returns A promise that resolves once the pool is idle and released.
   * @throws {PoolClosedError} If the pool is still running.
   */
  join(): Promise<void> {
    return this.#scheduler.join();
  }

  /**
   * `close()` then `join()`: what `await using` calls. Nothing in flight is lost.
   *
   * @returns A promise that resolves once all work is done.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return this.join();
  }

  /** `terminate()` without waiting: what `using` calls (Python's `with`). */
  [Symbol.dispose](): void {
    this.terminate().catch(() => {});
  }
}
