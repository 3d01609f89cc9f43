/**
 * The runtime contract `Pool` runs its workers through: one small adapter per
 * runtime (Deno, Node, Bun), chosen automatically or passed as
 * `PoolOptions.adapter`.
 *
 * @module
 */

/** Options for spawning one worker. */
export interface SpawnOptions {
  /** Heap limits, where the runtime enforces them (Node, Deno's `node:worker_threads`). */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

/** A running worker, as the pool sees it. */
export interface WorkerHandle {
  /** Send a message (structured clone), transferring `transfer`. */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Called with every message the worker sends. */
  onMessage(listener: (message: unknown) => void): void;
  /** Called with an error the worker did not catch. */
  onError(listener: (error: unknown) => void): void;
  /** Called once when the worker has ended, with its exit code where known. */
  onExit(listener: (code: number | undefined) => void): void;
  /** Stop the worker; resolves once it has ended. */
  terminate(): Promise<void>;
  /** Let the worker keep the process alive. */
  ref(): void;
  /** Let the process exit even while the worker lives. */
  unref(): void;
}

/** Spawns workers for one runtime. */
export interface WorkerAdapter {
  /** The runtime's name, e.g. `"node"`. */
  readonly name: string;
  /** Start a worker running the ES module at `url`. */
  spawn(url: URL, options?: SpawnOptions): WorkerHandle;
}
