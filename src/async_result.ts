/**
 * {@linkcode AsyncResult}: the handle the `*Async` methods return, after
 * Python's `multiprocessing.pool.AsyncResult`.
 *
 * @module
 */

import { TimeoutError } from "./errors.ts";
import { startTimer, type Timer } from "./_timer.ts";
import { timeout as checkTimeout } from "./_validate.ts";

type State = "pending" | "fulfilled" | "rejected";

/**
 * The result of an `applyAsync`, `mapAsync` or `starmapAsync` call. It is
 * `PromiseLike`, so `await result` works; `get(timeout)` and `wait(timeout)`
 * add Python's timeouts. A failed result that nobody asks for never becomes
 * an unhandled rejection.
 *
 * @typeParam T The value the call produces.
 *
 * @example Usage
 * ```ts
 * import { ThreadPool } from "@multipool/multipool";
 * import assert from "node:assert/strict";
 *
 * const pool = new ThreadPool(2);
 * const result = pool.mapAsync((x: number) => x * x, [1, 2, 3]);
 * assert.equal(await result.wait(1000), true);
 * assert.equal(result.successful(), true);
 * assert.deepEqual(await result.get(), [1, 4, 9]);
 * pool.close();
 * await pool.join();
 * ```
 */
export class AsyncResult<T> implements PromiseLike<T> {
  #state: State = "pending";
  #value: unknown;
  #waiters: (() => void)[] = [];
  #promise: Promise<T> | undefined;

  /**
   * Creates a result settled by `executor`, as `new Promise(executor)` does.
   * Pools create these; user code rarely needs to.
   *
   * @param executor Receives the functions that fulfil or reject the result.
   */
  constructor(
    executor: (
      resolve: (value: T) => void,
      reject: (error: unknown) => void,
    ) => void,
  ) {
    try {
      executor(
        (value) => this.#settle("fulfilled", value),
        (error) => this.#settle("rejected", error),
      );
    } catch (error) {
      this.#settle("rejected", error);
    }
  }

  #settle(state: State, value: unknown): void {
    if (this.#state !== "pending") return;
    this.#state = state;
    this.#value = value;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Whether the call has finished, successfully or not.
   *
   * @returns `true` once the result is settled.
   */
  ready(): boolean {
    return this.#state !== "pending";
  }

  /**
   * Whether the call finished without an error.
   *
   * @returns `true` if the call succeeded.
   * @throws {Error} If the result is not ready yet (Python's `ValueError`).
   */
  successful(): boolean {
    if (this.#state === "pending") {
      throw new Error(
        "Cannot tell whether the result is successful as it is not ready",
      );
    }
    return this.#state === "fulfilled";
  }

  /**
   * Waits until the result is ready or `timeout` milliseconds have passed.
   * Never rejects.
   *
   * @param timeout The most milliseconds to wait; wait forever if omitted.
   * @returns `true` once ready, `false` if the time ran out first.
   */
  wait(timeout?: number): Promise<boolean> {
    const ms = checkTimeout("wait for the result", timeout);
    if (this.#state !== "pending") return Promise.resolve(true);
    // Pending now: a zero wait answers at once, never racing the result.
    if (ms === 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const wake = (): void => {
        timer?.clear();
        resolve(true);
      };
      this.#waiters.push(wake);
      if (ms !== undefined) {
        timer = startTimer(ms, () => {
          const index = this.#waiters.indexOf(wake);
          if (index !== -1) this.#waiters.splice(index, 1);
          resolve(false);
        });
      }
    });
  }

  /**
   * The value of the call, or its error. Timing out does not cancel the call;
   * `get` may be called again.
   *
   * @param timeout The most milliseconds to wait; wait forever if omitted.
   * @returns The value.
   * @throws {TimeoutError} If the time ran out first.
   * @throws {TypeError} Synchronously, if `timeout` is not a number.
   */
  get(timeout?: number): Promise<T> {
    if (timeout === undefined) return this.#settled();
    return this.wait(timeout).then((ready) => {
      if (!ready) {
        throw new TimeoutError(
          `Timed out after ${timeout} ms waiting for the result`,
        );
      }
      return this.#settled();
    });
  }

  // One promise per result for every untimed wait: no timer, no closure each.
  #settled(): Promise<T> {
    this.#promise ??= new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        if (this.#state === "fulfilled") resolve(this.#value as T);
        else reject(this.#value);
      };
      if (this.#state === "pending") this.#waiters.push(settle);
      else settle();
    });
    return this.#promise;
  }

  /**
   * Lets `await result` and promise chains work.
   *
   * @param onfulfilled Called with the value.
   * @param onrejected Called with the error.
   * @returns A promise of what the handler returns.
   */
  then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.get().then(onfulfilled, onrejected);
  }
}
