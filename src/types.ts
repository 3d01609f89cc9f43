/**
 * The public option and task types shared by {@linkcode ThreadPool} and
 * {@linkcode Pool}.
 *
 * @module
 */

import type { WorkerAdapter } from "./worker_adapter.ts";

/**
 * What a pool runs: a function, or the name of an export of
 * {@linkcode PoolOptions.module}.
 */
// deno-lint-ignore no-explicit-any
export type Task = ((...args: any[]) => unknown) | string;

/**
 * A task given as a function of the argument list `A`, or the name of an
 * export of {@linkcode PoolOptions.module}.
 *
 * @typeParam A The task's argument list.
 * @typeParam R What the task returns.
 */
export type TaskOf<A extends unknown[], R> = ((...args: A) => R) | string;

/** A pool's lifecycle: `"running"`, then `"closed"` or `"terminated"`. */
export type PoolState = "running" | "closed" | "terminated";

/** Options for `new ThreadPool(options)` and `new Pool(options)`. */
export interface PoolOptions {
  /** How many tasks run at once (workers for `Pool`). Default: the logical CPU count. */
  processes?: number;
  /** Run once in every worker (ThreadPool: every slot), replacements too, before its first task. */
  initializer?: Task;
  /** Arguments for `initializer` (Python: `initargs`). */
  initArgs?: unknown[];
  /** Replace a worker after it ran this many chunks (Python: `maxtasksperchild`). */
  maxTasksPerChild?: number;
  /** The task module: string tasks name its exports, and its exported functions are sent by reference. */
  module?: string | URL;
  /** `Pool` only: the runtime adapter to use instead of the auto-detected one. */
  adapter?: WorkerAdapter;
  /**
   * `Pool` only: where the worker entry module (`multipool/worker`) is, for an
   * app that bundles or serves it itself. Default: `_worker.js` next to the
   * pool's own module, found by a literal `new URL("./_worker.js",
   * import.meta.url)` that bundlers such as webpack, Vite and Parcel follow.
   * A string resolves like `module`.
   */
  workerUrl?: string | URL;
}

/** Options every call accepts. */
export interface CallOptions {
  /** Stops the call: its promise rejects with `signal.reason` and its tasks not yet finished are dropped. */
  signal?: AbortSignal;
}

/** Options of `apply`. */
export interface ApplyOptions extends CallOptions {
  /** Objects to transfer to the worker instead of copying, such as `ArrayBuffer`s (`Pool` only). */
  transfer?: object[];
}

/**
 * Options of `map` and `starmap`.
 *
 * @typeParam I An input item (`starmap`: an argument list).
 */
export interface MapOptions<I = unknown> extends CallOptions {
  /** Items per chunk. Default: `ceil(n / (processes * 4))`. */
  chunkSize?: number;
  /**
   * The objects each item transfers to the worker instead of copying, such as
   * its `ArrayBuffer`s (`Pool` only). A function of the item, as every chunk
   * transfers its own items' objects; a list here is a `TypeError`.
   */
  transfer?: (item: I) => object[];
}

/**
 * Options of `imap` and `imapUnordered`.
 *
 * @typeParam I An input item.
 */
export interface IMapOptions<I = unknown> extends CallOptions {
  /** Items per chunk. Default: `1`. */
  chunkSize?: number;
  /** The objects each item transfers to the worker (`Pool` only), as in {@linkcode MapOptions.transfer}. */
  transfer?: (item: I) => object[];
  /** The most chunks submitted but not yet yielded. Default: `2 × processes`. */
  bufferSize?: number;
}

/** Callbacks of the `*Async` methods. */
export interface AsyncCallbacks<T> {
  /** Called with the whole result before the {@linkcode AsyncResult} settles. */
  callback?: (value: T) => unknown;
  /** Called with the error before the {@linkcode AsyncResult} settles. */
  errorCallback?: (error: unknown) => unknown;
}

/** Options of `applyAsync`. */
export interface ApplyAsyncOptions<T> extends ApplyOptions, AsyncCallbacks<T> {}

/**
 * Options of `mapAsync` and `starmapAsync`.
 *
 * @typeParam T The list of values.
 * @typeParam I An input item.
 */
export interface MapAsyncOptions<T, I = unknown>
  extends MapOptions<I>, AsyncCallbacks<T> {}
