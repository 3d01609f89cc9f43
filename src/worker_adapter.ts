/**
 * The runtime contract `Pool` runs its workers through: one small adapter per
 * way of running a worker (worker threads on Deno, Node and Bun; Web Workers
 * in browsers and on Deno and Bun), chosen automatically or passed as
 * `PoolOptions.adapter`.
 *
 * An adapter decides how a worker starts and how the pool talks to it:
 *
 * - `spawn(url)` starts a worker from the pool's worker entry `url` (the
 *   package's `./worker` module, or `PoolOptions.workerUrl`). The adapter may
 *   start something else that loads it (a boot module, another process), as
 *   long as the worker side ends up in the entry's `serve()` with a transport.
 * - The returned {@linkcode WorkerHandle} is the pool's own channel to that
 *   worker: nothing a task posts on `parentPort` or `self.postMessage` may
 *   reach it (the shipped adapters hand the worker a `MessagePort` of its
 *   own at start-up).
 * - {@linkcode WorkerCapabilities} says what the workers can do: share memory
 *   with the pool, report their exit, be unreferenced. The pool works
 *   without any of them (messages instead of shared memory; the worker side
 *   reports its own exit).
 *
 * @module
 */

/**
 * Options for spawning one worker.
 *
 * @example A small heap, to see an out-of-memory worker replaced
 * ```ts ignore
 * import type { SpawnOptions } from "@multipool/multipool";
 *
 * const options: SpawnOptions = { resourceLimits: { maxOldGenerationSizeMb: 64 } };
 * ```
 */
export interface SpawnOptions {
  /** Heap limits, where the runtime enforces them (Node, Deno's `node:worker_threads`). */
  resourceLimits?: {
    maxOldGenerationSizeMb?: number;
    maxYoungGenerationSizeMb?: number;
  };
}

/**
 * A running worker, as the pool sees it. The pool treats any exit it did not
 * ask for while the worker has work as a crash, whatever the exit code.
 *
 * @example Logging every exit of a wrapped adapter's workers
 * ```ts ignore
 * import type { WorkerHandle } from "@multipool/multipool";
 *
 * function logExits(handle: WorkerHandle): WorkerHandle {
 *   handle.onExit((code) => console.log(`worker exited with ${code}`));
 *   return handle;
 * }
 * ```
 */
export interface WorkerHandle {
  /** Send a message (structured clone), transferring `transfer`. */
  postMessage(message: unknown, transfer?: object[]): void;
  /** Called with every message the worker sends on the pool's channel. */
  onMessage(listener: (message: unknown) => void): void;
  /**
   * Called when a message from the worker arrived but could not be read
   * (deserialised), e.g. a value nested too deeply: a `messageerror`.
   * Optional: a transport that cannot fail so leaves it out.
   */
  onMessageError?(listener: (error: unknown) => void): void;
  /** Called with an error the worker did not catch (the worker is ending). */
  onError(listener: (error: unknown) => void): void;
  /**
   * Called once when the worker has ended, with its exit code where known.
   * An adapter without exit events (`capabilities.exitEvents` false) calls it
   * when it ends the worker itself (`terminate()`, or after an uncaught error).
   */
  onExit(listener: (code: number | undefined) => void): void;
  /** Stop the worker, even in a synchronous loop where the runtime can; resolves once it has ended. */
  terminate(): Promise<void>;
  /** Let the worker keep the process alive (the pool does while it has work); a no-op without `capabilities.unref`. */
  ref(): void;
  /** Let the process exit even while the worker lives (the pool does when it is idle); a no-op without `capabilities.unref`. */
  unref(): void;
}

/**
 * What an adapter's workers can do. The pool adapts to each missing one.
 *
 * @example The capabilities of Web Workers in a page that is not cross-origin isolated
 * ```ts ignore
 * import type { WorkerCapabilities } from "@multipool/multipool";
 *
 * const web: WorkerCapabilities = { sharedMemory: false, exitEvents: false, unref: false };
 * ```
 */
export interface WorkerCapabilities {
  /**
   * The pool and its workers can share a `SharedArrayBuffer` (and use
   * `Atomics` on it). With it, a worker claims each chunk in shared memory
   * before it runs it, so the pool takes back a chunk not yet started
   * without a message. Without it (a page that is not cross-origin isolated,
   * child processes), the pool falls back to messages: the worker reports
   * each chunk it starts, a chunk not yet started is withdrawn by asking the
   * worker to skip it, and a started one is stopped by stopping its worker.
   */
  readonly sharedMemory: boolean;
  /**
   * `onExit` fires when a worker ends by itself (a crash, `process.exit()`).
   * Without it (Web Workers), the worker side reports its own exit when a
   * task calls `self.close()`, `Deno.exit()` or `process.exit()`, and the
   * adapter ends a worker after its uncaught error.
   */
  readonly exitEvents: boolean;
  /** `unref()` lets the process exit while idle workers live. */
  readonly unref: boolean;
}

/**
 * Spawns workers for one runtime.
 *
 * @example An adapter that gives every worker a small heap
 * ```ts ignore
 * import { Pool, type WorkerAdapter } from "@multipool/multipool";
 * import { nodeAdapter } from "@multipool/multipool/adapters/node";
 *
 * const smallHeap: WorkerAdapter = {
 *   name: "node-small-heap",
 *   capabilities: nodeAdapter.capabilities,
 *   spawn: (url) => nodeAdapter.spawn(url, { resourceLimits: { maxOldGenerationSizeMb: 64 } }),
 * };
 * const pool = new Pool({ processes: 2, adapter: smallHeap });
 * await pool.terminate();
 * ```
 */
export interface WorkerAdapter {
  /** The adapter's name, e.g. `"node"` or `"web"`. */
  readonly name: string;
  /**
   * What its workers can do. Optional for adapters written before it: then
   * all three, with shared memory where the runtime has it.
   */
  readonly capabilities?: WorkerCapabilities;
  /**
   * `false` where `terminate()` cannot stop a worker stuck in a synchronous
   * loop (Deno: the thread keeps a core busy until the process exits); the
   * pool then warns once when it terminates a worker mid-task. Default `true`.
   */
  readonly stopsSynchronousLoops?: boolean;
  /**
   * Start a worker from the pool's worker entry module `url`, and return the
   * pool's own channel to it.
   */
  spawn(url: URL, options?: SpawnOptions): WorkerHandle;
}
