// Boot module of a process-adapter worker (adapters/process.ts), started as
// `<runtime> _process_child.ts <parent-pid> [<heap-mb>]` with an IPC
// channel: serves the pool over that channel with the worker side's `serve()`
// (src/_worker_serve.ts), the same as a worker thread runs.
//
// The child never outlives its pool: it exits when the channel closes (the
// parent exited, or was killed), and a watchdog thread, which runs even while
// a task loops synchronously, kills it once the parent is gone. On Bun, which
// has no heap-limit flag, the watchdog also ends the child once its resident
// memory has grown by <heap-mb>. An error nobody caught is reported to the
// pool before the child exits, so the crash has its cause.
import process from "node:process";
import { deserialize, serialize } from "node:v8";
import { Worker } from "node:worker_threads";
import type { WorkerTransport } from "../src/_worker_serve.ts";

const [parentPid, heapMb] = process.argv.slice(2);

// The worker side, bundled into one plain module (scripts/build_worker.ts;
// `_worker.js` in the npm package).
const serveUrl = new URL("../src/_worker_bundle.js", import.meta.url).href;

// The pool's messages go as bytes serialized here (see adapters/process.ts):
// a value that cannot be serialized throws at once, so the worker side fails
// just that result. A task's own process.send() goes wrapped, so the pool
// can tell it from its own messages.
// deno-lint-ignore no-explicit-any
const channel = process as any;
const ownSend = channel.send.bind(channel);
const send = (message: unknown): void => void ownSend(serialize(message));
channel.send = (message: unknown, ...rest: unknown[]) =>
  ownSend({ taskMessage: message }, ...rest);

/** The watchdog thread: no imports beyond built-ins, so it starts fast. */
const WATCHDOG = `
import { workerData } from "node:worker_threads";
import process from "node:process";
const { parent, limit } = workerData;
setInterval(() => {
  let gone = process.ppid !== parent;
  if (!gone) {
    try { process.kill(parent, 0); } catch { gone = true; }
  }
  if (gone) process.kill(process.pid, "SIGKILL");
  if (limit > 0 && process.memoryUsage.rss() > limit) {
    console.error("multipool: a worker process ran out of memory: its resident memory grew past its limit of " + workerData.mb + " MB");
    process.kill(process.pid, "SIGKILL");
  }
}, 100);
`;

function watch(): void {
  const mb = Number(heapMb) || 0;
  const limit = mb > 0 ? process.memoryUsage.rss() + mb * 2 ** 20 : 0;
  const watchdog = new Worker(
    new URL(`data:text/javascript,${encodeURIComponent(WATCHDOG)}`),
    { workerData: { parent: Number(parentPid), limit, mb } },
  );
  watchdog.on("error", () => {});
  watchdog.unref();
}

// An uncaught error or unhandled rejection ends the child, as it would a
// thread, but first tells the pool what it was.
function fatal(exiting: (code: number, error: unknown) => void) {
  let once = false;
  return (error: unknown): void => {
    if (once) return;
    once = true;
    exiting(1, error);
    // Exit once the report is written (at most a moment later).
    setTimeout(() => process.exit(1), 50);
  };
}

function boot(): void {
  process.on("disconnect", () => process.exit(0));
  watch();
  import(serveUrl).then(
    ({ serve }: { serve(transport: WorkerTransport): void }) => {
      // The bundle leaves `exiting()` here (scripts/build_worker.ts).
      const exiting = (globalThis as Record<symbol, unknown>)[
        Symbol.for("multipool.exiting")
      ] as (code: number, error: unknown) => void;
      const onFatal = fatal(exiting);
      process.on("uncaughtException", onFatal);
      process.on("unhandledRejection", onFatal);
      serve({
        post: send,
        listen(onMessage, onUnreadable) {
          process.on("message", (data: unknown) => {
            if (!(data instanceof Uint8Array)) return;
            let message: unknown;
            try {
              message = deserialize(data);
            } catch (error) {
              return onUnreadable(error);
            }
            onMessage(message);
          });
        },
      });
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

boot();
