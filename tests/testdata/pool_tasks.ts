// Task module of the Pool-specific tests (tests/pool_test.ts): tasks that
// exit, crash, loop, allocate, or report which worker ran them. No imports,
// no top-level await.

// deno-lint-ignore no-explicit-any
const runtime = globalThis as any;

/** A random id drawn once per worker: tells workers apart. */
const WORKER_ID = Math.random();

/** The id of the worker running this task. */
export function workerId(_x?: unknown): number {
  return WORKER_ID;
}

/** x² and the worker's id. */
export function sqrWithId(x: number): [number, number] {
  return [x * x, WORKER_ID];
}

/** Returns `value` after `ms` milliseconds. */
export function sleepy<T>(value: T, ms = 0): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

/** Ends the worker with `process.exit(code)`. */
export function processExit(code: number): never {
  runtime.process.exit(code);
  throw new Error("unreachable");
}

/** Ends the worker with `Deno.exit(code)` (Deno only). */
export function denoExit(code: number): never {
  runtime.Deno.exit(code);
  throw new Error("unreachable");
}

/** Never settles; a timer throws an error nobody catches. */
export function uncaught(message: string): Promise<never> {
  setTimeout(() => {
    throw new Error(message);
  }, 1);
  return new Promise(() => {});
}

/** Never settles; leaves a rejection nobody handles. */
export function unhandledRejection(message: string): Promise<never> {
  Promise.reject(new Error(message));
  return new Promise(() => {});
}

/** Loops forever, synchronously. */
export function spin(): never {
  for (;;) {
    // Only terminating the worker stops this.
  }
}

/** Allocates until the heap limit kills the worker. */
export function allocate(): never {
  const hoard: unknown[] = [];
  for (;;) hoard.push(new Array(100_000).fill(Math.random()));
}

/**
 * Counts its runs in `Int32Array(sab)[0]`, or, where the workers are
 * processes, as bytes appended to the file `sab`.
 */
export function countInit(sab: SharedArrayBuffer | string): void {
  if (typeof sab === "string") {
    runtime.process.getBuiltinModule("node:fs").appendFileSync(sab, "1");
  } else Atomics.add(new Int32Array(sab), 0, 1);
}

/** Counts its runs like `countInit`, then throws. */
export function countThenFail(
  sab: SharedArrayBuffer | string,
  message: string,
): never {
  countInit(sab);
  throw new Error(message);
}

/** Returns a value that cannot be structured-cloned. */
export function unclonable(): () => void {
  return () => {};
}

/** The byte length of `buffer`. */
export function byteLength(buffer: ArrayBuffer): number {
  return buffer.byteLength;
}

/** An error with an own `code` and a chain of causes, one a custom error. */
export function throwChain(): never {
  const root = new RangeError("root");
  const middle = new Error("middle", { cause: root });
  middle.name = "MiddleError";
  (middle as Error & { code: string }).code = "E_MIDDLE";
  throw new TypeError("top", { cause: middle });
}

/** An object nested `depth` levels deep: `{ a: { a: ... } }`. */
export function deep(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let node = root;
  for (let i = 1; i < depth; i++) {
    const next: Record<string, unknown> = {};
    node.a = next;
    node = next;
  }
  return root;
}

/** How deeply `value` nests through its `a` properties. */
export function depthOf(value: unknown): number {
  let depth = 0;
  for (
    let node = value as Record<string, unknown> | undefined;
    node !== null && typeof node === "object";
    node = node.a as Record<string, unknown> | undefined
  ) depth++;
  return depth;
}

/**
 * Posts `message` on every channel a task can reach in its worker:
 * `parentPort` of `node:worker_threads` and the worker scope's
 * `postMessage`. Returns how many it posted on.
 */
export async function postOnWorkerChannels(message: unknown): Promise<number> {
  let posted = 0;
  try {
    const threads = await import("node:worker_threads");
    if (threads.parentPort) {
      threads.parentPort.postMessage(message);
      posted++;
    }
  } catch {
    // No node:worker_threads here (a browser).
  }
  if (typeof runtime.postMessage === "function") {
    runtime.postMessage(message);
    posted++;
  }
  // A worker process's channel to its parent (adapters/process).
  if (typeof runtime.process?.send === "function") {
    try {
      runtime.process.send(message);
      posted++;
    } catch {
      // A stub (Deno's worker threads): no such channel here.
    }
  }
  return posted;
}
