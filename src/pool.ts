/**
 * {@linkcode Pool}: Python's `multiprocessing.pool.Pool`, in worker threads on
 * Deno, Node and Bun.
 *
 * @module
 */

import { detectAdapter } from "../adapters/_detect.ts";
import { PoolBase } from "./_pool_base.ts";
import { WorkerExecutor } from "./_worker_executor.ts";
import type { PoolOptions } from "./types.ts";
import { fail } from "./_validate.ts";
import type { WorkerAdapter } from "./worker_adapter.ts";

/**
 * A pool of worker threads that runs tasks in parallel: for CPU-bound work.
 * Arguments and results are structured-cloned (or transferred). A task is an
 * export of `options.module` (sent by reference), its name, a built-in such
 * as `Math.abs`, or a self-contained function (sent as source text). It has
 * the same methods as {@linkcode ThreadPool}. Idle workers never keep the
 * process alive.
 *
 * @example Usage
 * ```ts
 * import { Pool } from "@multipool/multipool";
 * import assert from "node:assert/strict";
 *
 * const pool = new Pool(2);
 * assert.deepEqual(await pool.map((x: number) => x * x, [1, 2, 3]), [1, 4, 9]);
 * assert.equal(await pool.apply(Math.max, [1, 5, 3]), 5);
 * pool.close();
 * await pool.join();
 * ```
 *
 * @example Tasks from a module, by reference or by name
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { fib } from "./tasks.ts";
 *
 * const pool = new Pool({ module: new URL("./tasks.ts", import.meta.url) });
 * console.log(await pool.map(fib, [30, 31, 32]));
 * console.log(await pool.apply("fib", [25]));
 * await pool.terminate();
 * ```
 *
 * @example Typed calls by task name, a per-task timeout, progress and stats
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 *
 * // tasks.ts: export function fib(n: number): number { ... }
 * const pool = new Pool<typeof import("./tasks.ts")>({
 *   module: new URL("./tasks.ts", import.meta.url),
 *   idleTimeout: 30_000,
 * });
 * const values: number[] = await pool.map("fib", [30, 31], {
 *   timeout: 60_000,
 *   onProgress: (value) => console.log("progress", value),
 * });
 * console.log(values, pool.stats());
 * await pool.terminate();
 * ```
 *
 * @typeParam M The task module's type (`typeof import("./tasks.ts")`), to
 * type calls by task name; without it any name is accepted.
 */
export class Pool<M = unknown> extends PoolBase<M> {
  /**
   * Creates a pool and starts its `processes` worker threads (each runs the
   * initializer, if any); idle, they never keep the process alive.
   *
   * @param options How many workers (default: the CPU count), or
   * {@linkcode PoolOptions}.
   * @throws {RangeError} If `processes` is not a positive integer.
   */
  constructor(options?: number | PoolOptions) {
    const adapter = typeof options === "object" && options !== null
      ? options.adapter
      : undefined;
    if (
      adapter !== undefined &&
      typeof (adapter as Partial<WorkerAdapter> | null)?.spawn !== "function"
    ) {
      fail(
        "create pool",
        "adapter",
        "a WorkerAdapter (an object with a spawn() method)",
        adapter,
      );
    }
    super(
      options,
      (host, config) =>
        new WorkerExecutor(host, config, adapter ?? detectAdapter()),
    );
  }
}
