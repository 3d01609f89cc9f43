/**
 * The runtime contract `Pool` runs its workers through: one small adapter per
 * runtime (Deno, Node, Bun), chosen automatically or passed as
 * `PoolOptions.adapter`. As small as tinypool's `TinypoolWorker`: spawn a
 * module, post, listen for messages, errors and the exit, terminate, and
 * ref/unref.
 *
 * The worker side needs nothing from the adapter: it talks through
 * `node:worker_threads`' `parentPort` where there is one, else through the Web
 * worker scope (`self.postMessage`/`onmessage`).
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
  /** Called with every message the worker sends. */
  onMessage(listener: (message: unknown) => void): void;
  /** Called with an error the worker did not catch (the worker is ending). */
  onError(listener: (error: unknown) => void): void;
  /** Called once when the worker has ended, with its exit code where known. */
  onExit(listener: (code: number | undefined) => void): void;
  /** Stop the worker, even in a synchronous loop; resolves once it has ended. */
  terminate(): Promise<void>;
  /** Let the worker keep the process alive (the pool does while it has work). */
  ref(): void;
  /** Let the process exit even while the worker lives (the pool does when it is idle). */
  unref(): void;
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
 *   spawn: (url) => nodeAdapter.spawn(url, { resourceLimits: { maxOldGenerationSizeMb: 64 } }),
 * };
 * const pool = new Pool({ processes: 2, adapter: smallHeap });
 * await pool.terminate();
 * ```
 */
export interface WorkerAdapter {
  /** The runtime's name, e.g. `"node"`. */
  readonly name: string;
  /**
   * `false` where `terminate()` cannot stop a worker stuck in a synchronous
   * loop (Deno: the thread keeps a core busy until the process exits); the
   * pool then warns once when it terminates a worker mid-task. Default `true`.
   */
  readonly stopsSynchronousLoops?: boolean;
  /** Start a worker running the ES module at `url`. */
  spawn(url: URL, options?: SpawnOptions): WorkerHandle;
}
