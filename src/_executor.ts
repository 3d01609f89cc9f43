// The seam between the runtime-agnostic core and where chunks run.
// ThreadPool implements it in-process (src/thread_pool.ts); Pool over workers.
import type { Task } from "./types.ts";

/**
 * What a chunk transfers rather than copies: a list (the apply family), or a
 * function giving each item's list (the map family).
 */
export type Transfer = object[] | ((item: unknown) => object[]);

/** What a call asks of each of its tasks, shared by its chunks. */
export interface TaskHooks {
  /** Milliseconds an item may run once started; past it the chunk fails with `TimeoutError`. */
  readonly timeout?: number;
  /** Receives a value a task reported with `progress()`; never throws. */
  readonly progress?: (value: unknown) => void;
}

/** One unit of work handed to an executor: a task applied to several items. */
export interface Chunk<P = unknown> {
  /** What `Executor.prepare` made of the call's task. */
  readonly task: P;
  /** The inputs: each is one argument (`star` false) or an argument list (`star` true). */
  readonly items: readonly unknown[];
  /** Call as `fn(...item)` rather than `fn(item)`. */
  readonly star: boolean;
  /** Objects to transfer with the items (Pool only). */
  readonly transfer?: Transfer;
  /** The call's `timeout` and `onProgress`, when it gave either. */
  readonly hooks?: TaskHooks;
  /** The call the chunk belongs to: the same for every chunk of one call. */
  readonly call?: unknown;
  /**
   * Report the chunk done: one value per item, and the errors of the items that
   * failed by index. Calls after the first, or after a cancel, are ignored.
   */
  settle(values: unknown[], errors?: ReadonlyMap<number, unknown>): void;
  /** Fail every item of the chunk with one error (a crashed worker). */
  fail(error: unknown): void;
}

/** What the core offers an executor. */
export interface ExecutorHost {
  /** The executor has room again: hand it more queued chunks. */
  pump(): void;
  /**
   * The pool cannot run tasks: fail pending and new work with
   * `BrokenPoolError`. `why` completes "Pool is broken as ..."; by default
   * "its initializer threw".
   */
  broken(cause: unknown, why?: string): void;
}

/** Where chunks run. Every chunk given to `run` must be settled or failed. */
export interface Executor<P = unknown> {
  /**
   * How many chunks run at once, when the executor learns it after the pool
   * was made (a cluster's registered agents); read instead of the config's.
   */
  readonly processes?: number;
  /** Turn a call's task into what `run` needs; rejects/throws `TypeError` for an unknown name. */
  prepare(task: Task): P | Promise<P>;
  /** Whether `run` may be called now. */
  hasCapacity(): boolean;
  /** Start a chunk. */
  run(chunk: Chunk<P>): void;
  /**
   * Takes back a chunk given to `run` that has not started yet (it may wait
   * in a worker's pipeline); `true` if taken back, and then it is never
   * settled. Optional: where `run` starts a chunk at once, nothing waits.
   */
  withdraw?(chunk: Chunk<P>): boolean;
  /**
   * A running chunk was aborted with `reason`: abort its `taskSignal()`, stop
   * it if possible and free its place (then call `host.pump()`).
   */
  cancel(chunk: Chunk<P>, reason?: unknown): void;
  /** Workers (or slots) there are and how many of them run a chunk, for `stats()`. */
  workers?(): { workers: number; busy: number };
  /** Everything is done and no more work will come: release workers. */
  shutdown(): Promise<void>;
  /** Stop now. The core has already failed every chunk. */
  terminate(): Promise<void>;
}

/** The settings an executor is built from. */
export interface ExecutorConfig {
  processes: number;
  initializer?: Task;
  initArgs: unknown[];
  maxTasksPerChild?: number;
  module?: string | URL;
  /** Pool: retire a worker idle this long (ms). */
  idleTimeout?: number;
  /** Pool: each worker's heap limits, for the adapter. */
  resourceLimits?: {
    maxOldGenerationSizeMb?: number;
    maxYoungGenerationSizeMb?: number;
  };
  /** Where the worker entry is (Pool only). */
  workerUrl?: string | URL;
}

/** Builds an executor for a pool. */
export type ExecutorFactory = (
  host: ExecutorHost,
  config: ExecutorConfig,
) => Executor;
