// The one WorkerHandle all three adapters share: Deno, Node and Bun each
// implement `node:worker_threads`, which reports exits, stops a worker even
// in a synchronous loop, and can be unreferenced.
import { Worker } from "node:worker_threads";
import type {
  SpawnOptions,
  WorkerAdapter,
  WorkerHandle,
} from "../src/worker_adapter.ts";

/** An adapter named `name` whose workers start from `entry(url)`. */
export function workerThreadsAdapter(
  name: string,
  entry: (url: URL) => URL = (url) => url,
  stopsSynchronousLoops = true,
): WorkerAdapter {
  return {
    name,
    stopsSynchronousLoops,
    spawn(url: URL, options?: SpawnOptions): WorkerHandle {
      const worker = new Worker(entry(url), {
        resourceLimits: options?.resourceLimits,
      });
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
}
