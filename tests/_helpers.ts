// Shared helpers of the behaviour suite: the task module (by URL, so sources
// and a compiled copy both work), a pool factory, a deferred, and a "probe"
// (shared memory that gated tasks report to, readable for both pools).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AnyPool, type PoolClass, variant } from "./_pools.ts";
import { sleep, until } from "./_wait.ts";
import type { GatedItem, ProbeMemory } from "./testdata/tasks.ts";

type TasksModule = typeof import("./testdata/tasks.ts");

/** The extension this suite runs from: "ts" from sources, "js" from a compiled copy. */
export const extension: "ts" | "js" =
  new URL(import.meta.url).pathname.endsWith(".ts") ? "ts" : "js";

/** URL of the Pool-only task module (crashes, exits, heap limits), for `options.module`. */
export const poolTasksUrl: string =
  new URL(`./testdata/pool_tasks.${extension}`, import.meta.url).href;

/** URL of the task module, for `options.module` and `import()`. */
export const tasksUrl: string =
  new URL(`./testdata/tasks.${extension}`, import.meta.url).href;

/** The task module itself: the very functions `Pool` finds as its exports. */
export const tasks: TasksModule = await import(tasksUrl);

/** Options of a pool constructor, as an object. */
export type Options = Exclude<
  ConstructorParameters<PoolClass>[0],
  number | undefined
>;

/** A pool with 2 processes and the task module, unless `options` says otherwise. */
export function make(Pool: PoolClass, options: Options = {}): AnyPool {
  return new Pool({ processes: 2, module: tasksUrl, ...options });
}

/** Runs `body` with a fresh pool (see `make`) and terminates the pool afterwards. */
export async function withPool<T>(
  Pool: PoolClass,
  options: Options,
  body: (pool: AnyPool) => T | Promise<T>,
): Promise<T> {
  const pool = make(Pool, options);
  try {
    return await body(pool);
  } finally {
    await pool.terminate();
  }
}

export { sleep, until };

/** A promise with its resolve and reject functions. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** Creates a {@linkcode Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Whether `promise` has settled within `ms` milliseconds. */
export async function settlesWithin(
  promise: PromiseLike<unknown>,
  ms: number,
): Promise<boolean> {
  let settled = false;
  Promise.resolve(promise).then(() => settled = true, () => settled = true);
  await sleep(ms);
  return settled;
}

/** Every value of an async iterable, in order. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}

/** A generator of `0 .. n-1` that counts how many items were read from it. */
export function counting(
  n: number,
): { iterable: Iterable<number>; reads(): number } {
  let reads = 0;
  function* generate(): Generator<number> {
    for (let i = 0; i < n; i++) {
      reads++;
      yield i;
    }
  }
  return { iterable: generate(), reads: () => reads };
}

/** An async generator of `values`, one macrotask apart. */
export async function* asyncOf<T>(values: Iterable<T>): AsyncGenerator<T> {
  for (const value of values) {
    await sleep(0);
    yield value;
  }
}

/** A generator yielding `0 .. n-1`, then throwing `error`. */
export function* failingAfter(n: number, error: unknown): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
  throw error;
}

/** An async generator yielding `0 .. n-1`, then throwing `error`. */
export async function* asyncFailingAfter(
  n: number,
  error: unknown,
): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    await sleep(0);
    yield i;
  }
  throw error;
}

/**
 * Shared memory that `tasks.gated` reports to: works the same for ThreadPool
 * (same thread) and Pool (the buffer is shared with the workers). Where the
 * workers are processes (MULTIPOOL_TEST_ADAPTER=process), a directory of
 * files stands for it (`tasks.FileProbe`). Always call `release()` in
 * `finally` so no gated task is left waiting.
 */
export class Probe {
  /** The memory to pass to tasks. */
  readonly sab: ProbeMemory = variant === "process"
    ? mkdtempSync(join(tmpdir(), "multipool-probe-"))
    : new SharedArrayBuffer(4 * tasks.PROBE.LENGTH);
  #memory = typeof this.sab === "string" ? undefined : new Int32Array(this.sab);

  /** An item for `tasks.gated`. */
  item(i: number, fail = false): GatedItem & { fail: boolean } {
    return { i, sab: this.sab, fail };
  }

  /** Items `0 .. n-1` for `tasks.gated`. */
  items(n: number): (GatedItem & { fail: boolean })[] {
    return Array.from({ length: n }, (_, i) => this.item(i));
  }

  // The lines of one of the probe's files (file mode).
  #lines(file: string): string[] {
    const path = join(this.sab as string, file);
    if (!existsSync(path)) return [];
    return readFileSync(path, "utf8").split("\n").filter((line) => line);
  }

  /** How many gated tasks have started. */
  get started(): number {
    if (!this.#memory) return this.#lines("started").length;
    return Atomics.load(this.#memory, tasks.PROBE.STARTED);
  }

  /** How many gated tasks have finished. */
  get finished(): number {
    if (!this.#memory) return this.#lines("finished").length;
    return Atomics.load(this.#memory, tasks.PROBE.FINISHED);
  }

  /** How many times `tasks.countInit` ran with this probe. */
  get inits(): number {
    if (!this.#memory) return this.#lines("inits").length;
    return Atomics.load(this.#memory, tasks.PROBE.INITS);
  }

  /** The items that have started, in start order. */
  startOrder(): number[] {
    if (!this.#memory) return this.#lines("started").map(Number);
    const memory = this.#memory;
    return Array.from(
      { length: this.started },
      (_, n) => Atomics.load(memory, tasks.PROBE.ORDER + n),
    );
  }

  /** Opens the gate of item `i`, or of every item when `i` is omitted. */
  release(i?: number): void {
    if (!this.#memory) {
      const file = i === undefined ? "gate" : `gate-${i}`;
      writeFileSync(join(this.sab as string, file), "");
      return;
    }
    const index = i === undefined ? tasks.PROBE.GATE : tasks.PROBE.GATES + i;
    Atomics.store(this.#memory, index, 1);
  }
  /** Resolves once `n` gated tasks have started; rejects after `timeout` ms. */
  async waitStarted(n: number, timeout = 15_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (this.started < n) {
      if (Date.now() > deadline) {
        throw new Error(
          `Only ${this.started} of ${n} gated tasks started within ${timeout} ms`,
        );
      }
      await sleep(2);
    }
  }
}
