// The one WorkerHandle the three worker-thread adapters share: Deno, Node and
// Bun each implement `node:worker_threads`, which reports exits, stops a
// worker even in a synchronous loop, and can be unreferenced. The pool talks
// to the worker on a MessageChannel of its own, handed over in `workerData`,
// so a task's `parentPort` stays the task's.
import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import { PORT_KEY } from "../src/_protocol.ts";
import { runtimeName, sharedMemory } from "../src/_runtime.ts";
import type {
  SpawnOptions,
  WorkerAdapter,
  WorkerCapabilities,
  WorkerHandle,
} from "../src/worker_adapter.ts";

/** What worker threads can do, on every runtime that has them. */
export const THREAD_CAPABILITIES: WorkerCapabilities = {
  sharedMemory: sharedMemory(),
  exitEvents: true,
  unref: true,
};

/** An adapter named `name` whose workers start from `entry(url)`. */
export function workerThreadsAdapter(
  name: string,
  entry: (url: URL) => URL = (url) => url,
  stopsSynchronousLoops = true,
): WorkerAdapter {
  return {
    name,
    capabilities: THREAD_CAPABILITIES,
    stopsSynchronousLoops,
    spawn(url: URL, options?: SpawnOptions): WorkerHandle {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(entry(url), {
        resourceLimits: options?.resourceLimits,
        workerData: { [PORT_KEY]: port2 },
        transferList: [port2],
      });
      const onMessage: ((message: unknown) => void)[] = [];
      const onExit: ((code: number | undefined) => void)[] = [];
      const deliver = (message: unknown): void => {
        for (const listener of onMessage) listener(message);
      };
      if (runtimeName() === "deno") {
        // Deno's `on("message")` walks every message for ports to patch (half
        // the main thread for 100k numbers): the pool's messages carry none.
        port1.addEventListener("message", (event) => deliver(event.data));
        port1.start();
      } else port1.on("message", deliver);
      // The exit event can come before messages the worker posted on the
      // pool's port (Node): deliver those first, so a finished task never
      // counts as crashed, then close the port.
      worker.once("exit", (code) => {
        for (let got; (got = receiveMessageOnPort(port1));) {
          for (const listener of onMessage) listener(got.message);
        }
        port1.close();
        for (const listener of onExit) listener(code);
      });
      return {
        postMessage: (message, transfer) =>
          port1.postMessage(
            message,
            transfer as Parameters<typeof port1.postMessage>[1],
          ),
        onMessage: (listener) => void onMessage.push(listener),
        onMessageError: (listener) => void port1.on("messageerror", listener),
        onError: (listener) => void worker.on("error", listener),
        onExit: (listener) => void onExit.push(listener),
        terminate: () => worker.terminate().then(() => {}),
        ref: () => {
          worker.ref();
          port1.ref();
        },
        unref: () => {
          worker.unref();
          port1.unref();
        },
      };
    },
  };
}
