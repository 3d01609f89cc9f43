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
 * export of {@linkcode PoolOptions.module}: any name while the pool's task
 * module type `M` is not given, none but through {@linkcode TaskName} once it
 * is.
 *
 * @typeParam A The task's argument list.
 * @typeParam R What the task returns.
 * @typeParam M The pool's task module type, if given.
 */
export type TaskOf<A extends unknown[], R, M = unknown> =
  | ((...args: A) => R)
  | (unknown extends M ? string : never);

/**
 * The names of the functions a task module exports: what a pool created as
 * `new Pool<typeof import("./tasks.ts")>({ module })` accepts as a task name.
 *
 * @typeParam M The task module's type, `typeof import("./tasks.ts")`.
 */
export type TaskName<M> =
  & {
    // deno-lint-ignore no-explicit-any
    [K in keyof M]: M[K] extends (...args: any[]) => unknown ? K : never;
  }[keyof M]
  & string;

/**
 * The argument list of the task module `M`'s export `K`.
 *
 * @typeParam M The task module's type.
 * @typeParam K The export's name.
 */
export type TaskArgs<M, K extends TaskName<M>> = M[K] extends
  (...args: infer A) => unknown ? A : never;

/**
 * What the task module `M`'s export `K` gives a caller: its return value,
 * awaited.
 *
 * @typeParam M The task module's type.
 * @typeParam K The export's name.
 */
export type TaskResult<M, K extends TaskName<M>> = M[K] extends // deno-lint-ignore no-explicit-any
(...args: any[]) => infer R ? Awaited<R>
  : never;

/** Any function a pool can run as a task. */
// deno-lint-ignore no-explicit-any
export type AnyTaskFunction = (...args: any[]) => unknown;

/**
 * Where a call may name its task `K`: nowhere while the pool's task module
 * type `M` is not given (any string is then a {@linkcode TaskOf}), else `K`.
 *
 * @typeParam M The pool's task module type, if given.
 * @typeParam K A task name of `M` (or the function given instead).
 */
export type TaskByName<M, K> = unknown extends M ? never : K;

/**
 * A call's argument list: that of the export `K` of the task module `M` when
 * the task is given by name, else `A`.
 *
 * @typeParam M The pool's task module type.
 * @typeParam K The task's name, or the function given instead.
 * @typeParam A The argument list of a task given as a function.
 */
export type CallArgs<M, K, A> = K extends TaskName<M> ? TaskArgs<M, K> : A;

/**
 * An input item of a map-family call: the first argument of the export `K`
 * of the task module `M` when the task is given by name, else `T`.
 *
 * @typeParam M The pool's task module type.
 * @typeParam K The task's name, or the function given instead.
 * @typeParam T The item type of a task given as a function.
 */
export type CallItem<M, K, T> = K extends TaskName<M> ? TaskArgs<M, K>[0]
  : T;

/**
 * A task's value as the caller gets it: that of the export `K` of the task
 * module `M` when the task is given by name, else `R`, awaited.
 *
 * @typeParam M The pool's task module type.
 * @typeParam K The task's name, or the function given instead.
 * @typeParam R What a task given as a function returns.
 */
export type CallValue<M, K, R> = K extends TaskName<M> ? TaskResult<M, K>
  : Awaited<R>;

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
   * `Pool` only: each worker's heap limits, passed to the adapter. Node
   * enforces them (a worker over its limit ends, its task fails with
   * `WorkerCrashedError` and the worker is replaced); Deno's worker threads
   * enforce them but leave a worker at its limit hanging with no event; Bun
   * ignores them.
   */
  resourceLimits?: {
    maxOldGenerationSizeMb?: number;
    maxYoungGenerationSizeMb?: number;
  };
  /**
   * `Pool` only: retire a worker that has been idle this many milliseconds; a
   * new one starts when work comes. Default `Infinity` (workers stay).
   */
  idleTimeout?: number;
  /**
   * `Pool` only: where the worker entry module (`multipool/worker`) is, for an
   * app that bundles or serves it itself. Default: the worker side bundled
   * into one plain module next to the pool's own (`_worker.js` in the npm
   * package, `_worker_bundle.js` in the sources), found by a literal
   * `new URL("./_worker.js", import.meta.url)` that bundlers such as webpack,
   * Vite and Parcel follow. A string resolves like `module`.
   */
  workerUrl?: string | URL;
}

/** Options every call accepts. */
export interface CallOptions {
  /**
   * Stops the call: its promise rejects with `signal.reason`, its tasks not
   * yet finished are dropped, and running ones see `taskSignal()` abort.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds a task may run once it has started (any non-negative number,
   * `Infinity` included): past it the task fails with `TimeoutError` (with
   * `chunkSize` above 1, so does the rest of its chunk), its `taskSignal()`
   * aborts, and in `Pool` its worker is replaced.
   */
  timeout?: number;
  /**
   * Receives, in the caller, each value a task of the call reports with
   * `progress(value)` (from `@multipool/multipool/task`), before the call
   * settles. If it throws, the call fails with what it threw.
   */
  onProgress?: (value: unknown) => unknown;
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

/** A snapshot of a pool's work, from `stats()`. */
export interface PoolStats {
  /** Workers running (ThreadPool: slots). */
  workers: number;
  /** Of those, how many run a chunk now. */
  busy: number;
  /** Chunks waiting in the pool's queue. */
  queuedChunks: number;
  /** Chunks handed to workers and not yet settled. */
  runningChunks: number;
  /** Tasks (items) that returned a value, over the pool's life. */
  completedTasks: number;
  /** Tasks (items) that failed (threw, timed out, crashed), over the pool's life. */
  failedTasks: number;
}
