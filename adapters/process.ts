/**
 * The process adapter: `Pool` workers as child processes of the same runtime
 * (Node, Deno or Bun), like CPython's `multiprocessing.Pool`. Each worker has
 * its own process: its own heap and heap limit, module registry, globals,
 * working directory and environment. What only a process gives:
 *
 * - **anything can be stopped**: an aborted or timed-out task, or
 *   `terminate()`, kills the process (SIGTERM, then SIGKILL after a grace
 *   period), even in a synchronous loop, on every runtime (a Deno worker
 *   thread in a synchronous loop keeps its core busy until the process ends);
 * - **what kills a process kills only the worker**: `process.exit()`, a
 *   signal, a crashing native addon, running out of memory: the task fails
 *   with `WorkerCrashedError` and the pool starts a replacement;
 * - **nothing leaks between workers**: `process.env`, `process.chdir()`,
 *   globals.
 *
 * The price: a worker starts in tens of milliseconds rather than a few, and
 * every message is serialized through a pipe (structured clone, so the same
 * values go as with threads, but `transfer` copies, and a `SharedArrayBuffer`
 * cannot be shared). The pool talks to each child over its IPC channel
 * (`child_process.fork`, `serialization: "advanced"`); the child runs the
 * same worker side as a thread. Children end with their pool: when the
 * parent exits or is killed, even with SIGKILL, its children exit too.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { processAdapter } from "@multipool/multipool/adapters/process";
 *
 * const pool = new Pool({ processes: 2, adapter: processAdapter });
 * console.log(await pool.map(Math.sqrt, [1, 4, 9])); // [1, 2, 3]
 * await pool.terminate();
 * ```
 *
 * @module
 */
import { type ChildProcess, fork } from "node:child_process";
import { constants } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import { runtimeName } from "../src/_runtime.ts";
import type {
  SpawnOptions,
  WorkerAdapter,
  WorkerCapabilities,
  WorkerHandle,
} from "../src/worker_adapter.ts";

/**
 * Options of {@linkcode createProcessAdapter}.
 *
 * @example A 128 MB heap per worker and a short grace period
 * ```ts ignore
 * import type { ProcessAdapterOptions } from "@multipool/multipool/adapters/process";
 *
 * const options: ProcessAdapterOptions = {
 *   resourceLimits: { maxOldGenerationSizeMb: 128 },
 *   killGracePeriod: 200,
 * };
 * ```
 */
export interface ProcessAdapterOptions {
  /**
   * Each worker's heap limit, unless `spawn` is given its own: on Node and
   * Deno `maxOldGenerationSizeMb` becomes `--max-old-space-size` (Deno:
   * `--v8-flags=`); Bun has no such flag, so its child watches its resident
   * memory and ends itself once it has grown by that much.
   */
  resourceLimits?: SpawnOptions["resourceLimits"];
  /**
   * Milliseconds between SIGTERM and SIGKILL when a worker is stopped.
   * Default 1000.
   */
  killGracePeriod?: number;
  /** Environment of the children. Default: the parent's `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Runtime flags of the children (Node's `execArgv`). Default: the parent's,
   * without test-runner, inspector, watch and heap-size flags.
   */
  execArgv?: string[];
}

/** What child processes can do: no memory shared with the pool. */
const CAPABILITIES: WorkerCapabilities = {
  sharedMemory: false,
  exitEvents: true,
  unref: true,
};

/** Flags of the parent a child must not inherit. */
const NOT_INHERITED =
  /^--(test|inspect|debug|watch|max-old-space-size|max-semi-space-size|eval|print|input-type)|^-[ep]$/;

/** The child's boot module, next to this one, `.ts` from sources, `.js` built. */
function bootPath(): string {
  const ext = /\.[cm]?[jt]s$/.exec(new URL(import.meta.url).pathname)?.[0] ??
    ".js";
  return fileURLToPath(new URL(`./_process_child${ext}`, import.meta.url));
}

/** An exit as one number: the code, or 128 + the signal's number, as shells do. */
function exitCode(code: number | null, signal: string | null): number {
  if (code !== null) return code;
  const number = (constants.signals as Record<string, number>)[signal ?? ""];
  return number === undefined ? 1 : 128 + number;
}

// Sending "transfers" by copying, then detaching what was transferred, so the
// sender sees what it would with a worker thread: an emptied buffer.
function detach(transfer: object[] | undefined): void {
  if (transfer === undefined || transfer.length === 0) return;
  try {
    structuredClone(undefined, { transfer: transfer as Transferable[] });
  } catch {
    // Not transferable here (already detached, a port): left as it is.
  }
}

/**
 * Creates a process adapter: each worker is a child process of the runtime
 * the pool runs on, started from this package's boot module with `fork()`.
 *
 * @example Workers with a 64 MB heap
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { createProcessAdapter } from "@multipool/multipool/adapters/process";
 *
 * const adapter = createProcessAdapter({ resourceLimits: { maxOldGenerationSizeMb: 64 } });
 * const pool = new Pool({ processes: 2, adapter });
 * await pool.terminate();
 * ```
 *
 * @param options Heap limits, kill grace period, environment and flags.
 * @returns The adapter, to pass as `PoolOptions.adapter`.
 * @throws {RangeError} If `killGracePeriod` is negative or not a number.
 */
export function createProcessAdapter(
  options: ProcessAdapterOptions = {},
): WorkerAdapter {
  const grace = options.killGracePeriod ?? 1000;
  if (typeof grace !== "number" || !(grace >= 0)) {
    throw new RangeError(
      `Cannot create process adapter as 'killGracePeriod' must be a non-negative number: current value is ${
        String(grace)
      }`,
    );
  }
  return {
    name: "process",
    capabilities: CAPABILITIES,
    // The child serves the pool with this package's own worker side (the
    // entry `url` serves a thread's port; a process has its IPC channel).
    spawn(_url: URL, spawnOptions?: SpawnOptions): WorkerHandle {
      const limits = spawnOptions?.resourceLimits ?? options.resourceLimits;
      return spawnChild(limits?.maxOldGenerationSizeMb, grace, options);
    },
  };
}

function spawnChild(
  heapMb: number | undefined,
  grace: number,
  options: ProcessAdapterOptions,
): WorkerHandle {
  const bun = runtimeName() === "bun";
  const execArgv = options.execArgv ??
    process.execArgv.filter((flag) => !NOT_INHERITED.test(flag));
  if (heapMb !== undefined && !bun) {
    execArgv.push(`--max-old-space-size=${Math.max(1, Math.floor(heapMb))}`);
  }
  // argv: the pid to outlive no longer, and on Bun the
  // growth of resident memory (MB) past which the child ends itself.
  const args = [
    String(process.pid),
    heapMb !== undefined && bun ? String(heapMb) : "",
  ];
  const child: ChildProcess = fork(bootPath(), args, {
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv,
    env: options.env ?? process.env,
  });
  let ended = child.exitCode !== null || child.signalCode !== null;
  const exited = new Promise<void>((resolve) => {
    if (ended) resolve();
    child.once("exit", () => {
      ended = true;
      resolve();
    });
  });
  // A message to a child that is gone: its exit tells the pool.
  child.on("error", () => {});
  // The pool's messages go as bytes the adapter serializes itself (one copy
  // more): a value that cannot be serialized throws here, at once (Deno's
  // send() would report it in an event and break its channel), and one that
  // cannot be read back is a messageerror, not a crash of the channel. What
  // else arrives (a task's own process.send(), wrapped) is not the pool's.
  let unreadable: (error: unknown) => void = () => {};
  return {
    postMessage(message, transfer) {
      if (ended || !child.connected) return;
      child.send(serialize(message));
      detach(transfer);
    },
    onMessage: (listener) =>
      void child.on("message", (data: unknown) => {
        if (!(data instanceof Uint8Array)) return;
        let message: unknown;
        try {
          message = deserialize(data);
        } catch (error) {
          return unreadable(error);
        }
        listener(message);
      }),
    onMessageError: (listener) => void (unreadable = listener),
    // Only a child that could not be started is an error of the worker's;
    // a send to a child that is ending is answered by its exit.
    onError: (listener) =>
      void child.on("error", (error) => {
        if (child.pid === undefined && !ended) listener(error);
      }),
    onExit: (listener) =>
      void child.once(
        "exit",
        (code, signal) => listener(exitCode(code, signal)),
      ),
    terminate(): Promise<void> {
      if (ended) return exited;
      child.kill("SIGTERM");
      // Not child.kill() again: Deno's kills a child only once.
      const timer = setTimeout(() => {
        if (ended || child.pid === undefined) return;
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
      }, grace);
      return exited.then(() => clearTimeout(timer));
    },
    ref(): void {
      child.ref();
      (child.channel as { ref?(): void } | null | undefined)?.ref?.();
    },
    unref(): void {
      child.unref();
      (child.channel as { unref?(): void } | null | undefined)?.unref?.();
    },
  };
}

/**
 * Spawns `Pool` workers as child processes of the runtime the pool runs on
 * (see {@linkcode createProcessAdapter} for heap limits and other options).
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { processAdapter } from "@multipool/multipool/adapters/process";
 *
 * const pool = new Pool({ adapter: processAdapter });
 * await pool.terminate();
 * ```
 */
export const processAdapter: WorkerAdapter = createProcessAdapter();
