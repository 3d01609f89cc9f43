// Helpers of the adversarial suite (tests/adversarial_*_test.ts): a seeded
// random source, and a way to await a promise that fails the test instead of
// hanging when the promise never settles.

/** What a promise settled with. */
export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; error: unknown };

/** How long any single call may take to settle before the test calls it a hang. */
export const HANG_MS = 20_000;

/**
 * Settles with the outcome of `promise`; throws `Error("<label> did not
 * settle ...")` if it has not settled within `ms` milliseconds.
 */
export function outcome(
  promise: PromiseLike<unknown>,
  label: string,
  ms: number = HANG_MS,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} did not settle within ${ms} ms`)),
      ms,
    );
    Promise.resolve(promise).then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (error) => {
        clearTimeout(timer);
        resolve({ ok: false, error });
      },
    );
  });
}

/** A seeded pseudo-random source in [0, 1) (mulberry32): the same seed, the same run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n) drawn from `random`. */
export function below(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An endless async iterable of 0, 1, 2, ... that counts its next() calls and records return(). */
export function endless(
  delay = 1,
): { iterable: AsyncIterable<number>; reads(): number; returned(): boolean } {
  let reads = 0;
  let returned = false;
  const iterator: AsyncIterator<number> & AsyncIterable<number> = {
    async next() {
      const value = reads++;
      await sleep(delay);
      return { done: false, value };
    },
    return() {
      returned = true;
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    iterable: iterator,
    reads: () => reads,
    returned: () => returned,
  };
}

/** Every outcome of an iterator, errors as `{ error }`; fails on a hang. */
export async function drain(
  iterator: AsyncIterator<unknown>,
): Promise<unknown[]> {
  const all: unknown[] = [];
  for (let n = 0; n < 1000; n++) {
    const step = await outcome(iterator.next(), `next() #${n}`);
    if (!step.ok) all.push({ error: step.error });
    else if ((step.value as IteratorResult<unknown>).done) return all;
    else all.push((step.value as IteratorResult<unknown>).value);
  }
  throw new Error("the iterator never ended");
}
