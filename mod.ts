/**
 * Python's `multiprocessing.pool` for Deno, Node and Bun: `ThreadPool` for
 * I/O-bound and async work on the caller's event loop, `Pool` for CPU-bound
 * work in worker threads, one API for both: `apply`, `map`, `starmap`,
 * `imap`, `imapUnordered`, their `*Async` forms with {@linkcode AsyncResult},
 * and `close`/`join`/`terminate`.
 *
 * @example Usage
 * ```ts
 * import { ThreadPool } from "@multipool/multipool";
 * import assert from "node:assert/strict";
 *
 * const pool = new ThreadPool(4);
 * assert.deepEqual(await pool.map((x: number) => x * x, [1, 2, 3]), [1, 4, 9]);
 * pool.close();
 * await pool.join();
 * ```
 *
 * @module
 */

export * from "./src/errors.ts";
export type * from "./src/types.ts";
export type * from "./src/worker_adapter.ts";
export { AsyncResult } from "./src/async_result.ts";
export type { IMapIterator } from "./src/imap_iterator.ts";
export type { PoolBase } from "./src/_pool_base.ts";
export { ThreadPool } from "./src/thread_pool.ts";
export { Pool } from "./src/pool.ts";
