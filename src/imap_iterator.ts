/**
 * {@linkcode IMapIterator}: what `imap` and `imapUnordered` return.
 *
 * @module
 */

/**
 * The lazy result of `imap` (input order) or `imapUnordered` (completion
 * order). It reads its input only as results are consumed, at most
 * `bufferSize` chunks ahead. An error from the task for item k is thrown by
 * the k-th `next()`, and iteration may go on after it. An error from the input
 * itself is thrown after the results of every item read before it, then the
 * iterator ends. Leaving a `for await` loop early cancels the chunks not yet
 * started.
 *
 * @typeParam R The result of one task.
 *
 * @example Usage
 * ```ts
 * import { ThreadPool } from "@multipool/multipool";
 * import assert from "node:assert/strict";
 *
 * const pool = new ThreadPool(2);
 * const squares: number[] = [];
 * for await (const square of pool.imap((x: number) => x * x, [1, 2, 3])) {
 *   squares.push(square);
 * }
 * assert.deepEqual(squares, [1, 4, 9]);
 * pool.close();
 * await pool.join();
 * ```
 */
export interface IMapIterator<R> extends AsyncIterableIterator<R> {
  /**
   * The next result.
   *
   * @param timeout The most milliseconds to wait; the iterator stays usable
   * after a timeout.
   * @returns The next result, or `done` once every item was yielded.
   * @throws {TimeoutError} If the time ran out first.
   */
  next(timeout?: number): Promise<IteratorResult<R, undefined>>;
  /**
   * Stops the iteration and cancels the chunks not yet started.
   *
   * @returns A finished result.
   */
  return(): Promise<IteratorResult<R, undefined>>;
  /**
   * The iterator itself.
   *
   * @returns This iterator.
   */
  [Symbol.asyncIterator](): IMapIterator<R>;
}
