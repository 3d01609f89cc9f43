/**
 * The Deno adapter: `Pool` workers as Deno's `node:worker_threads` workers.
 * Unlike Deno's Web `Worker` (which cannot be stopped in a synchronous loop,
 * reports no exit, takes the process down on an uncaught error and cannot be
 * unreferenced), they report their exit code, stop even in a synchronous
 * loop, enforce heap limits, and can be unreferenced.
 *
 * Each worker starts from a tiny `data:` module that imports the entry by a
 * computed specifier: Deno type-checks a worker's static module graph on
 * every spawn when checking is on (`deno test`), which costs seconds.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { denoAdapter } from "@multipool/multipool/adapters/deno";
 *
 * const pool = new Pool({ processes: 2, adapter: denoAdapter });
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
 * Spawns `Pool` workers with Deno's `node:worker_threads`.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { denoAdapter } from "@multipool/multipool/adapters/deno";
 *
 * const pool = new Pool({ adapter: denoAdapter });
 * await pool.terminate();
 * ```
 */
export const denoAdapter: WorkerAdapter = {
  name: "deno",
  spawn(url: URL, options?: SpawnOptions): WorkerHandle {
    const boot = `const entry = ${JSON.stringify(url.href)};\nimport(entry);\n`;
    const worker = new Worker(
      new URL(`data:text/javascript,${encodeURIComponent(boot)}`),
      {
        resourceLimits: options?.resourceLimits,
      },
    );
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
