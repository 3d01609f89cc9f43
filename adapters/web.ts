/**
 * The Web Worker adapter: `Pool` workers as Web Workers
 * (`new Worker(url, { type: "module" })`). Chosen automatically in browsers;
 * opt-in on Deno and Bun.
 *
 * The pool talks to each worker on a `MessageChannel` of its own, handed over
 * in a handshake, so a task may use `self.postMessage` freely. What Web
 * Workers lack, the adapter and the worker side make up for:
 *
 * - A Web Worker survives its own uncaught error: the adapter ends it, and the
 *   pool fails its running task with `WorkerCrashedError`.
 * - A task calling `self.close()`, `Deno.exit()` or `process.exit()` gives the
 *   parent no event: the worker side reports its exit first.
 * - Shared memory only where `SharedArrayBuffer` is usable (a cross-origin
 *   isolated page: COOP and COEP headers); elsewhere the pool runs on
 *   messages alone, with the same semantics.
 *
 * Limits: a browser's Web Worker has no heap limit (`resourceLimits` is
 * ignored) and one that runs out of memory can take the page down; Deno
 * cannot stop a Web Worker stuck in a synchronous loop (`terminate()`
 * resolves, the thread spins on until the process exits) and cannot
 * unreference one (an idle pool keeps a Deno script alive until
 * `terminate()` or `close()`); Bun's Web Workers report their exit and can be
 * unreferenced.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { webAdapter } from "@multipool/multipool/adapters/web";
 *
 * const pool = new Pool({ processes: 2, adapter: webAdapter });
 * console.log(await pool.map(Math.sqrt, [1, 4, 9])); // [1, 2, 3]
 * await pool.terminate();
 * ```
 *
 * @module
 */
import { PORT_KEY } from "../src/_protocol.ts";
import { runtimeName, sharedMemory } from "../src/_runtime.ts";
import type {
  WorkerAdapter,
  WorkerCapabilities,
  WorkerHandle,
} from "../src/worker_adapter.ts";

/** A Web `Worker` as Deno, Bun and browsers have it (Bun adds ref/unref). */
interface WebWorker {
  postMessage(message: unknown, transfer?: unknown[]): void;
  addEventListener(type: string, listener: (event: never) => void): void;
  terminate(): void;
  ref?(): void;
  unref?(): void;
}

interface ErrorEventLike {
  error?: unknown;
  message?: string;
  preventDefault(): void;
}

const WorkerClass = (globalThis as {
  Worker?: new (url: URL, options: { type: "module" }) => WebWorker;
}).Worker;

const isBun = runtimeName() === "bun";
const isDeno = runtimeName() === "deno";

// Deno type-checks a worker's static module graph on every spawn when
// checking is on (`deno test`): start from a tiny module that imports the
// entry by a computed specifier instead.
function entry(url: URL): URL {
  if (!isDeno) return url;
  const boot = `const entry = ${JSON.stringify(url.href)};\nimport(entry);\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}

function spawn(url: URL): WorkerHandle {
  if (WorkerClass === undefined) {
    throw new TypeError(
      "Cannot start a worker as this runtime has no Web Worker (globalThis.Worker)",
    );
  }
  const worker = new WorkerClass(entry(url), { type: "module" });
  const { port1, port2 } = new MessageChannel();
  const exitListeners: ((code: number | undefined) => void)[] = [];
  const errorListeners: ((error: unknown) => void)[] = [];
  let ended = false;
  let handedOver = false;

  const end = (code: number | undefined): void => {
    if (ended) return;
    ended = true;
    port1.close();
    for (const listener of exitListeners) listener(code);
  };

  // The worker says `[PORT_KEY]` once it listens: hand it the pool's port.
  // Anything else on the worker's own channel is a task's business.
  worker.addEventListener("message", (event: { data: unknown }) => {
    if (
      !handedOver && Array.isArray(event.data) && event.data[0] === PORT_KEY
    ) {
      handedOver = true;
      worker.postMessage({ [PORT_KEY]: port2 }, [port2]);
    }
  });
  worker.addEventListener("error", (event: ErrorEventLike) => {
    // Else the error propagates (Deno: to the whole process).
    event.preventDefault();
    const error = event.error ?? new Error(event.message ?? "Worker error");
    for (const listener of errorListeners) listener(error);
    worker.terminate();
    end(undefined);
  });
  worker.addEventListener("messageerror", () => {
    // A message on the worker's own channel: not the pool's.
  });
  if (isBun) {
    worker.addEventListener("close", (event: { code?: number }) => {
      end(typeof event.code === "number" ? event.code : undefined);
    });
  }

  return {
    postMessage: (message, transfer) =>
      port1.postMessage(message, (transfer ?? []) as Transferable[]),
    onMessage(listener) {
      port1.addEventListener("message", (event) => listener(event.data));
      port1.start();
    },
    onMessageError(listener) {
      port1.addEventListener("messageerror", (event) => listener(event));
    },
    onError: (listener) => void errorListeners.push(listener),
    onExit: (listener) => void exitListeners.push(listener),
    terminate(): Promise<void> {
      worker.terminate();
      end(undefined);
      return Promise.resolve();
    },
    ref: () => {
      worker.ref?.();
      (port1 as { ref?(): void }).ref?.();
    },
    unref: () => {
      worker.unref?.();
      (port1 as { unref?(): void }).unref?.();
    },
  };
}

/** What Web Workers can do here: Bun's report exits and can be unreferenced. */
const capabilities: WorkerCapabilities = {
  sharedMemory: sharedMemory(),
  exitEvents: isBun,
  unref: isBun,
};

/**
 * Spawns `Pool` workers as Web Workers.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { webAdapter } from "@multipool/multipool/adapters/web";
 *
 * const pool = new Pool({ adapter: webAdapter });
 * await pool.terminate();
 * ```
 */
export const webAdapter: WorkerAdapter = {
  name: "web",
  capabilities,
  stopsSynchronousLoops: !isDeno,
  spawn,
};
