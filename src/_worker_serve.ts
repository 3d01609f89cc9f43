// The worker side of Pool, over whatever transport the entry (src/_worker.ts)
// or an adapter's boot module hands to `serve()`: imports options.module
// once, resolves each task once, runs one chunk per message in order, one
// reply per chunk. With shared memory a chunk is claimed in its cell before it
// runs; without, the worker reports STARTED and honours SKIP. No top-level
// await here (a terminated worker that statically imported a module with
// top-level await can abort Node 24): everything starts from a promise.
import { type ChunkResult, runChunk } from "./_run_chunk.ts";
import { SharedCursor } from "./_shared_cursor.ts";
import { setWorkerTask, TaskControl } from "./_task_context.ts";
import {
  ABORT,
  type AbortMessage,
  bareable,
  CLAIM_ITEMS,
  cloneError,
  cursorCell,
  DEFINE,
  type DefineMessage,
  EXIT,
  FAILED,
  fromWire,
  HELLO,
  INIT,
  INIT_FAILED,
  type InitMessage,
  ITEM_STARTED,
  packNumbers,
  PROGRESS,
  READY,
  REPORT_PROGRESS,
  REPORT_STARTS,
  RESULT,
  RING,
  RUN,
  type RunMessage,
  SEND_BARE,
  SIGNAL_USED,
  SKIP,
  type SkipMessage,
  SKIPPED,
  STARTED,
  toWire,
  UNREADABLE,
} from "./_protocol.ts";
import type { TaskRef } from "./_task_ref.ts";
import {
  defineTask,
  type Entry,
  explain,
  resolveTask,
} from "./_worker_tasks.ts";

/**
 * How the worker side talks to its pool: given to {@linkcode serve} by the
 * worker entry (a `MessagePort` of the pool's own) or by an adapter's boot
 * module (e.g. a child process's IPC channel).
 *
 * @example A transport over a child process's IPC channel
 * ```ts ignore
 * import process from "node:process";
 * import { serve, type WorkerTransport } from "@multipool/multipool/worker";
 *
 * const ipc: WorkerTransport = {
 *   post: (message) => process.send!(message),
 *   listen: (onMessage) => void process.on("message", onMessage),
 * };
 * serve(ipc);
 * ```
 */
export interface WorkerTransport {
  /** Send a message to the pool (structured clone, or whatever the channel does). */
  post(message: unknown): void;
  /**
   * Start delivering the pool's messages to `onMessage`, and to
   * `onUnreadable` each message that arrived but could not be read.
   */
  listen(
    onMessage: (message: unknown) => void,
    onUnreadable: (error: unknown) => void,
  ): void;
}

let post: (message: unknown) => void = () => {};
/** The shared claim cells, or undefined: no shared memory, messages instead. */
let cells: Int32Array<ArrayBufferLike> | undefined;
/** The last seq reached (run or skipped), and without shared memory the seqs to skip. */
let reached = 0;
const skips = new Set<number>();
/** The last seq of a RUN received, and whether INIT was. */
let received = 0;
let initialized = false;
let specifier: string | undefined;
let exports: Record<string, unknown> = {};
const tasks: Entry[] = [];
const refs: TaskRef[] = [];
// Busy until initialized, and while an async chunk runs: RUNs wait in line.
let busy = true;
let queue: (RunMessage | undefined)[] = [];
let head = 0;
/** The chunk running now: its seq and its taskSignal()/progress(). */
let running: { seq: number; control: TaskControl } | undefined;

// The context of chunk `seq`: progress goes to the pool when the call
// listens, item starts too when it has a timeout.
function control(seq: number, flags: number): TaskControl {
  const control = new TaskControl(
    flags & REPORT_PROGRESS
      ? (value) => {
        try {
          post([PROGRESS, seq, value]);
        } catch (error) {
          throw cloneError("a progress value from the worker", error);
        }
      }
      : undefined,
  );
  if (flags & REPORT_STARTS) {
    control.onItem = (i) => post([ITEM_STARTED, seq, i]);
  }
  control.onSignal = () => post([SIGNAL_USED, seq]);
  running = { seq, control };
  setWorkerTask(control);
  return control;
}

function ended(seq: number): void {
  if (running?.seq !== seq) return;
  running.control.finish();
  running = undefined;
  setWorkerTask(undefined);
}

/** A RUN whose items come in the next message, bare (see BARE_MIN). */
let header: RunMessage | undefined;

function onMessage(
  message:
    | RunMessage
    | InitMessage
    | DefineMessage
    | SkipMessage
    | AbortMessage,
): void {
  if (header !== undefined) {
    const items = message as unknown as unknown[];
    message = header;
    header = undefined;
    message[4] = items;
    if (busy) queue.push(message);
    else run(message);
    return;
  }
  switch (message[0]) {
    case ABORT:
      if (running?.seq === message[1]) {
        running.control.abort(fromWire(message[2]));
      }
      return;
    case RUN:
      received = message[1];
      if (message[4] === null) {
        header = message;
        return;
      }
      if (busy) queue.push(message);
      else run(message);
      return;
    case DEFINE:
      // Resolved when first run: the module may still be loading.
      refs[message[1]] = message[2];
      return;
    case SKIP:
      // Not started yet: it never will be, and the pool may run it elsewhere.
      if (message[1] > reached) {
        skips.add(message[1]);
        post([SKIPPED, message[1]]);
      }
      return;
    case INIT:
      initialized = true;
      init(message);
  }
}

// A message from the pool could not be read: say which, so exactly its
// chunk fails (the pool knows which RUN came after `received`).
function onUnreadable(error: unknown): void {
  if (header !== undefined) {
    // The bare items of `header`: its RUN is the one that failed.
    const seq = header[1];
    header = undefined;
    post([UNREADABLE, seq - 1]);
    return;
  }
  if (!initialized) {
    initialized = true;
    post([
      INIT_FAILED,
      toWire(cloneError("the pool's start-up message to the worker", error)),
    ]);
  } else post([UNREADABLE, received]);
}

/**
 * Tell the pool that this worker is ending by itself (where the adapter
 * reports no exit): with the exit code, or the error nobody caught.
 */
export function exiting(code: number | undefined, error?: unknown): void {
  try {
    post(
      error === undefined ? [EXIT, code] : [EXIT, code, toWire(error)],
    );
  } catch {
    // The pool learns of the exit some other way, or never: nothing to do.
  }
}

async function init(
  [, module, initializer, initArgs, shared]: InitMessage,
): Promise<void> {
  cells = shared;
  let stage: "module" | "initializer" = "module";
  try {
    if (module !== undefined) {
      specifier = module;
      exports = await import(module);
    }
    stage = "initializer";
    if (initializer !== undefined) {
      await resolveTask(initializer, exports, specifier)(...initArgs);
    }
  } catch (error) {
    post([INIT_FAILED, toWire(error), stage]);
    return;
  }
  post([READY]);
  busy = false;
  drain();
}

function drain(): void {
  while (!busy && head < queue.length) {
    const message = queue[head]!;
    queue[head++] = undefined;
    run(message);
  }
  if (head === queue.length) {
    queue = [];
    head = 0;
  }
}

function run(message: RunMessage): void {
  const seq = message[1];
  const id = message[2];
  if (message[5] !== undefined) refs[id] = message[5];
  if (refs[id] !== undefined) {
    tasks[id] = defineTask(refs[id], exports, specifier);
    delete refs[id];
  }
  const entry = tasks[id];
  if (cells !== undefined) {
    Atomics.store(cells, RING, seq);
    // Claim the chunk, unless the parent cancelled it first.
    if (Atomics.compareExchange(cells, seq % RING, seq, -seq) !== seq) return;
  } else {
    reached = seq;
    if (skips.delete(seq)) return;
    post([STARTED, seq]);
  }
  if (entry === undefined || entry.failed) {
    const error = entry?.failed?.error ??
      new Error(`Task ${message[2]} is unknown`);
    post([FAILED, seq, toWire(error)]);
    return;
  }
  const began = cells === undefined ? performance.now() : 0;
  const flags = message[6] ?? 0;
  const task = control(seq, flags);
  const items = message[4]!;
  const cursor = flags & CLAIM_ITEMS && cells !== undefined
    ? new SharedCursor(cells, cursorCell(seq), items.length)
    : undefined;
  // No AsyncLocalStorage run here (a new context frame per chunk, dear on
  // Deno for every await): a worker runs one chunk at a time, and
  // setWorkerTask() names it for taskSignal() and progress() throughout.
  const result = runChunk(entry.fn, items, message[3], task, cursor);
  if (!(result instanceof Promise)) {
    ended(seq);
    reply(seq, result, entry);
    if (cells === undefined) pause(began);
    return;
  }
  busy = true;
  result.then((done) => {
    ended(seq);
    reply(seq, done, entry);
    busy = false;
    if (cells === undefined) pause(began);
    drain();
  });
}

// Without shared memory, a SKIP for a chunk that arrived while a long one
// ran waits in line behind that chunk's RUN: after a chunk of a millisecond
// or more, let the messages that came meanwhile in before starting another.
function pause(began: number): void {
  if (performance.now() - began < 1) return;
  busy = true;
  setTimeout(() => {
    busy = false;
    drain();
  }, 0);
}

// The errors of a chunk as the wire carries them: index, error, ... by index.
function flatten(
  errors: ReadonlyMap<number, unknown>,
  entry: Entry,
): unknown[] {
  const flat: unknown[] = [];
  for (const i of [...errors.keys()].sort((a, b) => a - b)) {
    flat.push(i, explain(errors.get(i), entry));
  }
  return flat;
}

// One message per chunk; a value that cannot be cloned fails its own item.
function reply(
  seq: number,
  { values, errors }: ChunkResult,
  entry: Entry,
): void {
  try {
    const packed = errors ? undefined : packNumbers(values);
    if (packed !== undefined) {
      post([RESULT, seq, packed]);
      return;
    }
    if (SEND_BARE && !errors && bareable(values)) {
      // The values bare, right after their header (see BARE_MIN).
      post([RESULT, seq, null]);
      post(values);
      return;
    }
    post(
      errors
        ? [RESULT, seq, values, flatten(errors, entry)]
        : [RESULT, seq, values],
    );
    return;
  } catch {
    // Find the values that cannot be cloned, below.
  }
  const failed = new Map(errors);
  for (let i = 0; i < values.length; i++) {
    try {
      structuredClone(values[i]);
    } catch (error) {
      values[i] = undefined;
      failed.set(i, cloneError("the task's result from the worker", error));
    }
  }
  try {
    post([RESULT, seq, values, flatten(failed, entry)]);
  } catch (error) {
    post([FAILED, seq, toWire(error)]);
  }
}

/**
 * Serves a pool over `transport`: the worker side's one entry point. Says
 * HELLO once it listens; the pool sends nothing before.
 *
 * @example
 * ```ts ignore
 * import { portTransport, serve } from "@multipool/multipool/worker";
 *
 * self.onmessage = (event) => serve(portTransport(event.data.port));
 * ```
 */
export function serve(transport: WorkerTransport): void {
  post = (message) => transport.post(message);
  transport.listen(onMessage as (message: unknown) => void, onUnreadable);
  post([HELLO]);
}
