// The worker side of Pool: imports options.module once, resolves each task
// once, runs one chunk per message in order, one reply per chunk. No
// top-level await here (a terminated worker that statically imported a module
// with top-level await can abort Node 24): everything starts from a promise.
import { exportedFunction } from "./_module.ts";
import { type ChunkResult, runChunk } from "./_run_chunk.ts";
import {
  cloneError,
  FAILED,
  HELLO,
  INIT,
  INIT_FAILED,
  type InitMessage,
  READY,
  RESULT,
  RING,
  RUN,
  type RunMessage,
  toWire,
  type Wire,
} from "./_protocol.ts";
import { globalFunction, type TaskRef } from "./_task_ref.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => unknown;
interface Entry {
  fn: Fn;
  /** Sent as source text: a ReferenceError gets a hint. */
  source: boolean;
  /** Resolving the task threw: every chunk of it fails with this. */
  failed?: { error: unknown };
}

let post: (message: unknown) => void = () => {};
let cells: Int32Array<ArrayBufferLike> = new Int32Array(RING + 1);
let specifier: string | undefined;
let exports: Record<string, unknown> = {};
const tasks: Entry[] = [];
// Busy until initialized, and while an async chunk runs: RUNs wait in line.
let busy = true;
let queue: (RunMessage | undefined)[] = [];
let head = 0;

function onMessage(message: RunMessage | InitMessage): void {
  if (message[0] === RUN) {
    if (busy) queue.push(message);
    else run(message);
  } else if (message[0] === INIT) init(message);
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
    if (initializer !== undefined) await resolve(initializer)(...initArgs);
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

function compile(source: string, name: string | undefined): Fn {
  const indirectEval = eval;
  if (name !== undefined) {
    try {
      // Bound to its own name, so `const fib = (n) => ... fib(n - 1)` works.
      return indirectEval(
        `(() => { const ${name} = (${source}\n); return ${name}; })()`,
      );
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  try {
    return indirectEval(`(${source}\n)`);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    try {
      // A method written in shorthand, `name(x) { ... }`.
      const holder = indirectEval(`({${source}\n})`);
      return Object.values(holder)[0] as Fn;
    } catch {
      throw error;
    }
  }
}

function resolve(ref: TaskRef): Fn {
  if ("export" in ref) {
    return exportedFunction(exports, ref.export, specifier ?? "");
  }
  if ("global" in ref) return globalFunction(ref.global);
  const fn = compile(ref.source, ref.name);
  if (typeof fn !== "function") {
    throw new TypeError(
      "Cannot run the task as its source text is not a function",
    );
  }
  return fn;
}

function define(ref: TaskRef): Entry {
  try {
    return { fn: resolve(ref), source: "source" in ref };
  } catch (error) {
    return { fn: () => {}, source: false, failed: { error } };
  }
}

// A ReferenceError in a function sent by source: say so, name the identifier.
function explain(error: unknown, entry: Entry): Wire {
  const wire = toWire(error);
  if (
    !entry.source || !(error instanceof ReferenceError) || !("error" in wire)
  ) return wire;
  const record = wire.error;
  const name = /^(\S+) is not defined/.exec(record.message)?.[1] ??
    /Can't find variable: (\S+)/.exec(record.message)?.[1];
  if (name === undefined) return wire;
  const message =
    `${record.message}: the task was sent to the worker as source text, ` +
    `so it cannot use '${name}' from the scope it was written in. Make the function ` +
    `self-contained, or export it from the pool's 'module' option (options.module) ` +
    `and pass it, or its name, as the task`;
  if (record.stack) {
    record.stack = record.stack.replace(record.message, message);
  }
  record.message = message;
  return wire;
}

function run(message: RunMessage): void {
  const seq = message[1];
  let entry = tasks[message[2]];
  if (message[5] !== undefined) entry = tasks[message[2]] = define(message[5]);
  Atomics.store(cells, RING, seq);
  // Claim the chunk, unless the parent cancelled it first.
  if (Atomics.compareExchange(cells, seq % RING, seq, -seq) !== seq) return;
  if (entry === undefined || entry.failed) {
    const error = entry?.failed?.error ??
      new Error(`Task ${message[2]} is unknown`);
    post([FAILED, seq, toWire(error)]);
    return;
  }
  const result = runChunk(entry.fn, message[4], message[3]);
  if (!(result instanceof Promise)) return reply(seq, result, entry);
  busy = true;
  result.then((done) => {
    reply(seq, done, entry);
    busy = false;
    drain();
  });
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

interface Port {
  postMessage(message: unknown): void;
  on(event: "message", listener: (message: never) => void): void;
}

import("node:worker_threads").then(
  (threads) => threads.parentPort as Port | null,
  () => null,
).then((port) => {
  if (port) {
    post = (message) => port.postMessage(message);
    port.on("message", onMessage);
    post([HELLO]);
  } else {
    // deno-lint-ignore no-explicit-any
    const scope = globalThis as any;
    post = (message) => scope.postMessage(message);
    scope.onmessage = (event: MessageEvent) => onMessage(event.data);
    post([HELLO]);
  }
});
