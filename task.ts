/**
 * For code that runs as a task of a pool: {@linkcode taskSignal} tells a task
 * that its call was aborted or timed out, or that its pool terminated;
 * {@linkcode progress} reports a value to the call's `onProgress`, in the
 * caller. Both work in `Pool` workers and in `ThreadPool` tasks alike,
 * synchronous or `async`, several async tasks interleaved on one `ThreadPool`
 * included: the running task is tracked with `AsyncLocalStorage` from
 * `node:async_hooks`, which Deno, Node and Bun have. In a browser, which has
 * no `AsyncLocalStorage`, a `Pool` worker's task sees its context throughout
 * (a worker runs one chunk at a time), while a `ThreadPool` task sees it only
 * up to its first `await`: read `taskSignal()` before awaiting there.
 *
 * Called outside a task, both throw a `TypeError`.
 *
 * @example Stop a request when the call is aborted or times out
 * ```ts
 * import { ThreadPool } from "@multipool/multipool";
 * import { taskSignal } from "@multipool/multipool/task";
 * import assert from "node:assert/strict";
 *
 * const pool = new ThreadPool(2);
 * // A never-settling wait, like a fetch to a server that does not answer.
 * const hang = () =>
 *   new Promise((_, reject) => {
 *     const signal = taskSignal();
 *     signal.addEventListener("abort", () => reject(signal.reason));
 *   });
 * await assert.rejects(pool.apply(hang, [], { timeout: 50 }), { name: "TimeoutError" });
 * await pool.terminate();
 * ```
 *
 * @module
 */

import { currentTask } from "./src/_task_context.ts";

/**
 * The running task's `AbortSignal`: aborted when the task's call is aborted
 * (with the call's `signal.reason`), when the task runs past the call's
 * `timeout` (with a `TimeoutError`), or when the pool terminates (with a
 * `PoolTerminatedError`). Pass it on to what the task waits for, such as
 * `fetch(url, { signal: taskSignal() })`, or check `aborted` in a loop.
 *
 * @returns The signal of the task running now.
 * @throws {TypeError} When called outside a task a pool runs.
 *
 * @example Usage
 * ```ts
 * import { ThreadPool } from "@multipool/multipool";
 * import { taskSignal } from "@multipool/multipool/task";
 * import assert from "node:assert/strict";
 *
 * const pool = new ThreadPool(2);
 * const aborted = await pool.apply(() => taskSignal().aborted);
 * assert.equal(aborted, false);
 * assert.throws(() => taskSignal(), TypeError);
 * await pool.terminate();
 * ```
 */
export function taskSignal(): AbortSignal {
  return currentTask("taskSignal()").signal;
}

/**
 * Reports `value` to the `onProgress` option of the running task's call, in
 * the caller (from a `Pool` worker, `value` is structured-cloned: a value
 * that cannot be cloned throws a `DataCloneError` here). Does nothing when the
 * call has no `onProgress`.
 *
 * @param value What to report, such as a fraction done.
 * @throws {TypeError} When called outside a task a pool runs.
 *
 * @example Usage
 * ```ts
 * import { ThreadPool } from "@multipool/multipool";
 * import { progress } from "@multipool/multipool/task";
 * import assert from "node:assert/strict";
 *
 * const pool = new ThreadPool(2);
 * const seen: unknown[] = [];
 * await pool.map((x: number) => {
 *   progress(x);
 *   return x;
 * }, [1, 2, 3], { onProgress: (value) => seen.push(value) });
 * assert.deepEqual(seen.sort(), [1, 2, 3]);
 * await pool.terminate();
 * ```
 */
export function progress(value: unknown): void {
  currentTask("progress()").progress(value);
}
