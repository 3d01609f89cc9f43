/**
 * The worker entry of `Pool` (`@multipool/multipool/worker`, npm:
 * `multipool/worker`): the module every worker starts from. It picks its
 * transport from what the worker is given and serves the pool over it:
 *
 * - a `node:worker_threads` worker (Deno, Node, Bun) finds the pool's own
 *   `MessagePort` in `workerData[PORT_KEY]`;
 * - a Web Worker (browsers; Deno and Bun with `adapters/web`) says
 *   `[PORT_KEY]` on its global scope and receives the port in reply;
 * - anything else (a child process, say) imports this module and calls
 *   {@linkcode serve} with a transport of its own.
 *
 * Either way the pool's protocol runs on a channel of its own, so a task may
 * use `parentPort` or `self.postMessage` freely. `node:worker_threads` is
 * imported only where `node:` modules exist: a browser never fetches it.
 *
 * An app that bundles or serves the worker entry itself points
 * `PoolOptions.workerUrl` at it.
 *
 * @example Bundling the worker entry next to the app (esbuild)
 * ```sh ignore
 * esbuild app.ts _worker=multipool/worker --bundle --format=esm --outdir=dist
 * ```
 *
 * @module
 */
import { hasNodeBuiltins, runtimeName } from "./_runtime.ts";
import { exiting, serve, type WorkerTransport } from "./_worker_serve.ts";
import { PORT_KEY } from "./_protocol.ts";

export { PORT_KEY, serve, type WorkerTransport };

/**
 * A `MessagePort` as Node (`on`) or the Web (`addEventListener`) has it.
 *
 * @example
 * ```ts ignore
 * import type { AnyPort } from "@multipool/multipool/worker";
 *
 * const { port1 }: { port1: AnyPort } = new MessageChannel();
 * ```
 */
export interface AnyPort {
  /** Sends a message to the other end. */
  postMessage(message: unknown): void;
  /** Node's way to listen. */
  on?(event: string, listener: (data: unknown) => void): void;
  /** The Web's way to listen. */
  addEventListener?(
    event: string,
    listener: (event: { data: unknown }) => void,
  ): void;
  /** Starts delivery (Web ports listened to with `addEventListener`). */
  start?(): void;
}

/**
 * A {@linkcode WorkerTransport} over a `MessagePort` (Node's or the Web's).
 *
 * @example Serving a pool over a port received some other way
 * ```ts ignore
 * import { portTransport, serve } from "@multipool/multipool/worker";
 *
 * self.onmessage = (event) => serve(portTransport(event.data.port));
 * ```
 */
export function portTransport(port: AnyPort): WorkerTransport {
  return {
    post: (message) => port.postMessage(message),
    listen(onMessage, onUnreadable) {
      // Deno's `on("message")` walks every message for ports to patch: the
      // pool's messages carry none, so Deno listens the Web's way.
      if (typeof port.on === "function" && runtimeName() !== "deno") {
        port.on("message", onMessage);
        port.on("messageerror", onUnreadable);
      } else {
        port.addEventListener!("message", (event) => onMessage(event.data));
        port.addEventListener!("messageerror", (event) => onUnreadable(event));
        port.start?.();
      }
    },
  };
}

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;

// A Web Worker gives the parent no exit event: report the exits a task can
// cause, and an unhandled rejection (which a Web Worker survives) as a crash.
function reportExits(): void {
  const wrap = (holder: Record<string, unknown> | undefined, key: string) => {
    const original = holder?.[key];
    if (typeof original !== "function") return;
    holder![key] = function (this: unknown, ...args: unknown[]) {
      const code = typeof args[0] === "number" ? args[0] : undefined;
      exiting(key === "close" ? 0 : code ?? 0);
      return original.apply(this, args);
    };
  };
  wrap(scope, "close");
  wrap(scope.Deno, "exit");
  wrap(scope.process, "exit");
  scope.addEventListener?.(
    "unhandledrejection",
    (event: { reason: unknown; preventDefault(): void }) => {
      event.preventDefault();
      exiting(undefined, event.reason);
      scope.close();
    },
  );
}

function isWebWorker(): boolean {
  return typeof scope.postMessage === "function" &&
    typeof scope.addEventListener === "function";
}

function webWorker(): void {
  const listener = (event: { data: unknown }): void => {
    const data = event.data as Record<string, unknown> | null;
    if (data === null || typeof data !== "object" || !(PORT_KEY in data)) {
      return;
    }
    scope.removeEventListener("message", listener);
    reportExits();
    serve(portTransport(data[PORT_KEY] as AnyPort));
  };
  scope.addEventListener("message", listener);
  scope.postMessage([PORT_KEY]);
}

function start(): void {
  if (!hasNodeBuiltins()) {
    if (isWebWorker()) webWorker();
    return;
  }
  import("node:worker_threads").then((threads) => {
    const data = threads.workerData as Record<string, unknown> | null;
    const port = data !== null && typeof data === "object"
      ? data[PORT_KEY]
      : undefined;
    if (port !== undefined && port !== null) {
      serve(portTransport(port as AnyPort));
    } else if (isWebWorker()) {
      webWorker();
    } else if (threads.parentPort !== null) {
      // An adapter that hands over no port of its own: the worker's own.
      serve(portTransport(threads.parentPort as unknown as AnyPort));
    }
  }, () => {
    if (isWebWorker()) webWorker();
  });
}

start();
