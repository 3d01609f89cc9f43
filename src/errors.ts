/**
 * The errors a pool raises. Each has its own `name`, so they survive logging
 * and can be told apart with `instanceof` or `error.name`.
 *
 * @module
 */

/**
 * `get(timeout)` on an {@linkcode AsyncResult} or `next(timeout)` on an
 * {@linkcode IMapIterator} ran out of time. The task goes on; ask again.
 *
 * @example Usage
 * ```ts
 * import { TimeoutError } from "@multipool/multipool";
 *
 * const error = new TimeoutError("Timed out after 10 ms");
 * console.log(error.name); // "TimeoutError"
 * ```
 */
export class TimeoutError extends Error {
  /** Creates a `TimeoutError`.
   *
   * @param message What ran out of time.
   * @param options The `cause`, if any.
   */
  constructor(message = "Timed out", options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/**
 * A method was called on a pool that is not running (message
 * `Pool not running`), or `join()` was called on a running pool (message
 * `Pool is still running`).
 *
 * @example Usage
 * ```ts
 * import { PoolClosedError, ThreadPool } from "@multipool/multipool";
 *
 * const pool = new ThreadPool(2);
 * pool.close();
 * try {
 *   pool.apply(Math.abs, [-1]);
 * } catch (error) {
 *   console.log(error instanceof PoolClosedError); // true
 * }
 * ```
 */
export class PoolClosedError extends Error {
  /** Creates a `PoolClosedError`.
   *
   * @param message Why the call was refused.
   * @param options The `cause`, if any.
   */
  constructor(message = "Pool not running", options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolClosedError";
  }
}

/**
 * A task was still pending or running when `terminate()` was called.
 *
 * @example Usage
 * ```ts
 * import { PoolTerminatedError, ThreadPool } from "@multipool/multipool";
 *
 * const pool = new ThreadPool(1);
 * const pending = pool.apply(() => new Promise((r) => setTimeout(r, 50)));
 * await pool.terminate();
 * await pending.catch((error) => {
 *   console.log(error instanceof PoolTerminatedError); // true
 * });
 * ```
 */
export class PoolTerminatedError extends Error {
  /** Creates a `PoolTerminatedError`.
   *
   * @param message What was stopped.
   * @param options The `cause`, if any.
   */
  constructor(message = "Pool was terminated", options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolTerminatedError";
  }
}

/**
 * The worker running a task exited or crashed before the task finished. The
 * pool replaces the worker and goes on with the other tasks.
 *
 * @example Usage
 * ```ts
 * import { WorkerCrashedError } from "@multipool/multipool";
 *
 * const error = new WorkerCrashedError("Worker exited with code 1");
 * console.log(error.name); // "WorkerCrashedError"
 * ```
 */
export class WorkerCrashedError extends Error {
  /** Creates a `WorkerCrashedError`.
   *
   * @param message How the worker ended.
   * @param options The `cause`, if any.
   */
  constructor(message = "Worker crashed", options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkerCrashedError";
  }
}

/**
 * The pool's `initializer` threw: pending and new tasks fail with this error,
 * whose `cause` is the initializer's error. The pool does not respawn workers.
 *
 * @example Usage
 * ```ts
 * import { BrokenPoolError } from "@multipool/multipool";
 *
 * const error = new BrokenPoolError("Initializer failed", {
 *   cause: new Error("no database"),
 * });
 * console.log((error.cause as Error).message); // "no database"
 * ```
 */
export class BrokenPoolError extends Error {
  /** Creates a `BrokenPoolError`.
   *
   * @param message Why the pool is broken.
   * @param options The `cause`: the initializer's error.
   */
  constructor(message = "Pool is broken", options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenPoolError";
  }
}
