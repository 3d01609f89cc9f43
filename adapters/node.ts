/**
 * The Node adapter: `Pool` workers as `node:worker_threads` workers, which
 * report their exit code, stop even in a synchronous loop, enforce heap
 * limits, and can be unreferenced.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { nodeAdapter } from "@multipool/multipool/adapters/node";
 *
 * const pool = new Pool({ processes: 2, adapter: nodeAdapter });
 * console.log(await pool.map(Math.sqrt, [1, 4, 9])); // [1, 2, 3]
 * await pool.terminate();
 * ```
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import type {
  SpawnOptions,
  WorkerAdapter,
  WorkerHandle,
} from "../src/worker_adapter.ts";

/**
 * Spawns `Pool` workers with `node:worker_threads`.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { nodeAdapter } from "@multipool/multipool/adapters/node";
 *
 * const pool = new Pool({ adapter: nodeAdapter });
 * await pool.terminate();
 * ```
 */
export const nodeAdapter: WorkerAdapter = {
  name: "node",
  spawn(url: URL, options?: SpawnOptions): WorkerHandle {
    const worker = new Worker(url, { resourceLimits: options?.resourceLimits });
    return {
      postMessage: (message, transfer) =>
        worker.postMessage(
          message,
          transfer as Parameters<Worker["postMessage"]>[1],
        ),
      onMessage: (listener) => void worker.on("message", listener),
      onError: (listener) => void worker.on("error", listener),
      onExit: (listener) => void worker.once("exit", listener),
      terminate: () => worker.terminate().then(() => {}),
      ref: () => worker.ref(),
      unref: () => worker.unref(),
    };
  },
};
