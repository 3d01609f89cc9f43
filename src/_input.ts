// Reading a call's input (API.md "Inputs"): arrays and synchronous iterables
// during the call, async iterables as their items arrive, and never again
// once the call has ended: its iterator's `return()` is called.
import { isThenable } from "./_run_chunk.ts";

/** One step of an iterator, checked: a `next()` that breaks the protocol is a `TypeError`. */
export function checkStep(step: unknown): IteratorResult<unknown> {
  if (step === null || typeof step !== "object") {
    throw new TypeError(
      `Cannot read the input as its iterator's next() must return an object: current value is ${
        String(step)
      }`,
    );
  }
  return step as IteratorResult<unknown>;
}

/** Calls an iterator's `return()`, ignoring what it throws or rejects with. */
export function closeIterator(
  iterator: Iterator<unknown> | AsyncIterator<unknown>,
): void {
  try {
    const closing = iterator.return?.();
    if (isThenable(closing)) closing.then(undefined, () => {});
  } catch {
    // An iterator that fails to close has nothing more to give.
  }
}

/** `Array.isArray`, false for a revoked Proxy (which throws there). */
export function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** A synchronous iterable read to its end now (an array copied), so later changes change nothing. */
export function readAll(iterable: Iterable<unknown>): unknown[] {
  if (Array.isArray(iterable)) return Array.prototype.slice.call(iterable);
  const iterator = iterable[Symbol.iterator]();
  const items: unknown[] = [];
  for (;;) {
    const next = iterator.next();
    let step;
    try {
      step = checkStep(next);
    } catch (error) {
      closeIterator(iterator);
      throw error;
    }
    if (step.done) return items;
    items.push(step.value);
  }
}

/** An async iterable read item by item until its end, or until `stop()`. */
export class AsyncInput {
  #iterable: AsyncIterable<unknown>;
  #iterator: AsyncIterator<unknown> | undefined;
  #stopped = false;
  #done = false;

  constructor(iterable: AsyncIterable<unknown>) {
    this.#iterable = iterable;
  }

  /** Every item, in order; settles never once `stop()` was called. */
  async read(): Promise<unknown[]> {
    const iterator = this.#iterable[Symbol.asyncIterator]();
    this.#iterator = iterator;
    const items: unknown[] = [];
    while (!this.#stopped) {
      const next = await iterator.next();
      if (this.#stopped) break;
      let step;
      try {
        step = checkStep(next);
      } catch (error) {
        this.stop();
        throw error;
      }
      if (step.done) {
        this.#done = true;
        return items;
      }
      items.push(step.value);
    }
    return new Promise<never>(() => {});
  }

  /** Reads no more and calls the iterator's `return()` (unless it ended). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#iterator && !this.#done) closeIterator(this.#iterator);
  }
}

/** A map-family call's input: synchronous iterables read now (arrays copied), async ones read by the job as their items arrive. */
export function mapInput(
  iterable: Iterable<unknown> | AsyncIterable<unknown>,
): unknown[] | AsyncInput | Promise<never> {
  if (typeof (iterable as Iterable<unknown>)[Symbol.iterator] !== "function") {
    return new AsyncInput(iterable as AsyncIterable<unknown>);
  }
  try {
    return readAll(iterable as Iterable<unknown>);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * An imap call's input: an array copied now (its items as they are at the
 * call), other iterables read lazily. An element that throws as it is read
 * (a getter) is the input's error, raised by next() after the items before it.
 */
export function imapInput(
  iterable: Iterable<unknown> | AsyncIterable<unknown>,
): Iterable<unknown> | AsyncIterable<unknown> {
  if (!Array.isArray(iterable)) return iterable;
  try {
    return iterable.slice();
  } catch (error) {
    const read: unknown[] = [];
    try {
      for (let i = 0; i < iterable.length; i++) read.push(iterable[i]);
    } catch {
      // `error` again, at element `read.length`.
    }
    return (function* (): Generator<unknown> {
      yield* read;
      throw error;
    })();
  }
}
