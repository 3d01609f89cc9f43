// The messages between a Pool and its workers, and errors by hand: structured
// clone turns a custom `name` into "Error", drops own properties such as
// `code`, and (on Bun) drops `cause`. Messages are arrays: cheap to clone.
import type { TaskRef } from "./_task_ref.ts";
import { runtimeName } from "./_runtime.ts";

/**
 * The key under which a worker receives the pool's own `MessagePort`: in
 * `workerData` (worker threads), or in reply to `[PORT_KEY]` (Web Workers).
 *
 * @example A custom worker-threads adapter hands the port over so
 * ```ts ignore
 * import { Worker } from "node:worker_threads";
 * import { PORT_KEY } from "@multipool/multipool/worker";
 *
 * const { port1, port2 } = new MessageChannel();
 * new Worker(url, { workerData: { [PORT_KEY]: port2 }, transferList: [port2] });
 * ```
 */
export const PORT_KEY = "multipool:port";

/** Parent → worker: `[INIT, module, initializer, initArgs, cells?]`, the first message; no cells: no shared memory. */
export const INIT = 0;
/**
 * Parent → worker: `[RUN, seq, taskId, star, items, taskRef?, flags?]`
 * (items `null`: they are the next message, bare; see BARE_MIN; a
 * `Float64Array`: numbers, see packNumbers); the
 * task is defined before (DEFINE) or by `taskRef`; `flags` (REPORT_STARTS,
 * REPORT_PROGRESS) when non-zero.
 */
export const RUN = 1;
/**
 * Parent → worker: `[DEFINE, taskId, taskRef]`, sent before the first RUN of
 * a task on a worker, apart from it: a RUN the worker cannot read never takes
 * its task's definition with it.
 */
export const DEFINE = 10;
/**
 * Parent → worker, without shared memory: `[SKIP, seq]`, do not start the
 * chunk posted under `seq` (withdrawn or aborted); ignored once it started.
 */
export const SKIP = 11;
/**
 * Worker → parent: `[RESULT, seq, values, errors?]`, errors as `[index,
 * wire, index, wire, ...]`; values `null`: they are the next message, bare;
 * a `Float64Array`: numbers (see packNumbers).
 */
export const RESULT = 0;
/** Worker → parent: `[FAILED, seq, wire]`, the whole chunk failed (its task could not be resolved). */
export const FAILED = 1;
/** Worker → parent: `[READY]`, the module is loaded and the initializer has run. */
export const READY = 2;
/** Worker → parent: `[INIT_FAILED, wire, stage]`, importing the module (`"module"`) or the initializer (`"initializer"`) threw. */
export const INIT_FAILED = 3;
/**
 * Worker → parent: `[HELLO]`, the worker listens. The parent sends nothing
 * before it: Deno drops messages that reach a worker before its listener.
 */
export const HELLO = 4;
/** Worker → parent: `[PROGRESS, seq, value]`, a task of chunk `seq` called `progress(value)`. */
export const PROGRESS = 5;
/** Worker → parent: `[ITEM_STARTED, seq, index]`, item `index` of chunk `seq` starts (only for calls with a `timeout`). */
export const ITEM_STARTED = 6;
/**
 * Worker → parent: `[SIGNAL_USED, seq]`, a task of chunk `seq` asked for its
 * `taskSignal()`: aborting it gives it a grace to end by itself.
 */
export const SIGNAL_USED = 7;
/** Parent → worker: `[ABORT, seq, wire]`, abort the `taskSignal()` of chunk `seq` with the reason `wire`. */
export const ABORT = 2;
/** Bit of a RUN message's flags: post ITEM_STARTED before each item (the call has a `timeout`). */
export const REPORT_STARTS = 1;
/** Bit of a RUN message's flags: post PROGRESS for `progress()` (the call has an `onProgress`). */
export const REPORT_PROGRESS = 2;
/**
 * Bit of a RUN message's flags: claim the items one batch at a time from the
 * chunk's cursor cell (`RING + 1 + seq % RING`), so that the parent can give
 * the items not yet claimed to an idle worker (work stealing).
 */
export const CLAIM_ITEMS = 4;
/** Worker → parent, without shared memory: `[STARTED, seq]`, the worker starts that chunk now. */
export const STARTED = 10;
/**
 * Worker → parent: `[UNREADABLE, lastSeq]`, a message from the parent could
 * not be read (a `messageerror`); it is the first RUN posted after `lastSeq`.
 */
export const UNREADABLE = 11;
/**
 * Worker → parent: `[EXIT, code?, wire?]`, the worker is ending by itself: a
 * task called `self.close()`, `Deno.exit()` or `process.exit()` (`code`), or
 * left an error nobody caught (`wire`). Sent where the adapter reports no
 * exit events (Web Workers); the parent treats it as the worker's exit.
 */
export const EXIT = 12;
/**
 * Worker → parent, without shared memory: `[SKIPPED, seq]`, the worker got
 * the SKIP of chunk `seq` before it started it and will never run it.
 */
export const SKIPPED = 13;

/**
 * The shared cells a worker and its parent agree through, without messages:
 * cell `seq % RING` holds `seq` once posted, `-seq` once the worker started
 * it, `0` once the parent cancelled it first; cell `RING` holds the last seq
 * the worker reached; cell `RING + 1 + seq % RING` is the chunk's cursor
 * (CLAIM_ITEMS): the index of its next unclaimed item.
 */
export const RING = 256;

/** How many Int32 cells a worker's shared claim memory has. */
export const CELLS = 2 * RING + 1;

/** The cell of chunk `seq`'s cursor (CLAIM_ITEMS): its next unclaimed item. */
export function cursorCell(seq: number): number {
  return RING + 1 + seq % RING;
}

export type InitMessage = [
  typeof INIT,
  string | undefined,
  TaskRef | undefined,
  unknown[],
  Int32Array | undefined,
];
export type RunMessage = [
  typeof RUN,
  number,
  number,
  boolean,
  readonly unknown[] | null,
  TaskRef?,
  number?,
];
/** `[ABORT, seq, reason]`. */
export type AbortMessage = [typeof ABORT, number, Wire];
export type DefineMessage = [typeof DEFINE, number, TaskRef];
export type SkipMessage = [typeof SKIP, number];
export type ReplyMessage =
  | [typeof RESULT, number, unknown[], unknown[]?]
  | [typeof FAILED, number, Wire]
  | [typeof READY]
  | [typeof HELLO]
  | [typeof INIT_FAILED, Wire, "module" | "initializer"]
  | [typeof STARTED, number]
  | [typeof SKIPPED, number]
  | [typeof UNREADABLE, number]
  | [typeof EXIT, number | undefined, Wire?]
  | [typeof PROGRESS, number, unknown]
  | [typeof ITEM_STARTED, number, number]
  | [typeof SIGNAL_USED, number];

/** An error taken apart into clonable pieces. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack?: string;
  /** A `DOMException`, rebuilt as one. */
  dom?: boolean;
  cause?: Wire;
  props?: Record<string, Wire>;
}

/** A thrown value made clonable: an error record, or any other value. */
export type Wire = { error: ErrorRecord } | { value: unknown };

// deno-lint-ignore no-explicit-any
type ErrorClass = new (message?: string) => any;
const BUILTINS: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};
const OWN = new Set(["name", "message", "stack", "cause"]);

// A thrown value that is not an error, made clonable: as it is, or as text.
function clonable(value: unknown): unknown {
  if (
    value === null || typeof value !== "object" && typeof value !== "function"
  ) {
    return typeof value === "symbol" ? String(value) : value;
  }
  try {
    return structuredClone(value);
  } catch {
    return text(value);
  }
}

/** `value`, if it survives structured clone as it is; else `DROP`. */
const DROP = Symbol("drop");
function prop(value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    return typeof value === "symbol" || typeof value === "function"
      ? DROP
      : value;
  }
  try {
    return structuredClone(value);
  } catch {
    return DROP;
  }
}

// Reads `key` of `object`; a throwing getter reads as `DROP`.
function read(object: object, key: PropertyKey): unknown {
  try {
    return (object as Record<PropertyKey, unknown>)[key];
  } catch {
    return DROP;
  }
}

// `String(value)` that never throws (a revoked Proxy throws even in
// `Object.prototype.toString`).
function text(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return `[${typeof value}]`;
    }
  }
}

// `instanceof` runs a Proxy's traps, which may throw.
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error ||
      (typeof DOMException === "function" && value instanceof DOMException);
  } catch {
    return false;
  }
}

/**
 * Takes a thrown value apart so it survives the trip with its class, name,
 * own properties and cause. Never throws: what cannot be cloned or read
 * (symbols, functions, throwing getters) is dropped, never the error.
 */
export function toWire(thrown: unknown, depth = 0): Wire {
  try {
    return errorToWire(thrown, depth);
  } catch {
    // A Proxy whose traps throw where a plain error cannot.
    return { value: text(thrown) };
  }
}

function errorToWire(thrown: unknown, depth: number): Wire {
  if (!isError(thrown) || depth > 16) return { value: clonable(thrown) };
  const error = thrown as Error;
  const record: ErrorRecord = {
    name: text(read(error, "name")),
    message: text(read(error, "message")),
  };
  const stack = read(error, "stack");
  if (typeof stack === "string") record.stack = stack;
  if (typeof DOMException === "function" && error instanceof DOMException) {
    record.dom = true;
  }
  if (Object.hasOwn(error, "cause")) {
    const cause = read(error, "cause");
    if (cause !== DROP) record.cause = toWire(cause, depth + 1);
  }
  const keys = Object.keys(error);
  if (error instanceof AggregateError) keys.push("errors");
  for (const key of keys) {
    if (OWN.has(key)) continue;
    const value = read(error, key);
    let wire: Wire;
    if (key === "errors" && Array.isArray(value)) {
      wire = {
        value: value.map((item) => toWire(item, depth + 1)),
        errors: true,
      } as Wire;
    } else if (isError(value)) wire = toWire(value, depth + 1);
    else {
      const kept = prop(value);
      if (kept === DROP) continue;
      wire = { value: kept };
    }
    (record.props ??= {})[key] = wire;
  }
  return { error: record };
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    configurable: true,
  });
}

/** Puts a thrown value back together: built-in classes as themselves, other names on an `Error`. */
export function fromWire(wire: Wire): unknown {
  if (!("error" in wire)) return wire.value;
  const record = wire.error;
  let error: Error & Record<string, unknown>;
  if (record.dom && typeof DOMException === "function") {
    error = new DOMException(record.message, record.name) as never;
  } else {
    const Class = record.name === "AggregateError"
      ? AggregateError
      : Object.hasOwn(BUILTINS, record.name)
      ? BUILTINS[record.name]
      : Error;
    error = Class === AggregateError
      ? new AggregateError([], record.message)
      : new Class(record.message);
    if (error.name !== record.name) define(error, "name", record.name);
  }
  if (record.stack !== undefined) define(error, "stack", record.stack);
  if (record.cause !== undefined) {
    define(error, "cause", fromWire(record.cause));
  }
  for (const [key, prop] of Object.entries(record.props ?? {})) {
    const value = (prop as { errors?: boolean }).errors
      ? (prop as { value: Wire[] }).value.map(fromWire)
      : fromWire(prop);
    if (key === "errors" && error instanceof AggregateError) {
      define(error, key, value);
    } else error[key] = value;
  }
  return error;
}

/** The errors of a RESULT message, `[index, wire, ...]`, by item index. */
export function errorsFromWire(flat: unknown[]): Map<number, unknown> {
  const errors = new Map<number, unknown>();
  for (let i = 0; i < flat.length; i += 2) {
    errors.set(flat[i] as number, fromWire(flat[i + 1] as Wire));
  }
  return errors;
}

/** The error of a value that cannot be structured-cloned: `what` says which. */
export function cloneError(what: string, error: unknown): DOMException {
  return new DOMException(
    `Cannot send ${what}: a value cannot be structured-cloned: ${
      (error as Error)?.message
    }`,
    "DataCloneError",
  );
}

/**
 * An array of at least BARE_MIN numbers travels as a `Float64Array` of them
 * (RUN items, RESULT values): cloning a typed array is a copy of its bytes,
 * several times cheaper than an array of numbers (heap numbers on V8).
 * Returns undefined unless every item is a number.
 */
export function packNumbers(
  items: readonly unknown[],
): Float64Array | undefined {
  const n = items.length;
  if (n < BARE_MIN || typeof items[0] !== "number") return undefined;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const item = items[i];
    if (typeof item !== "number") return undefined;
    packed[i] = item;
  }
  return packed;
}

/**
 * Bun clones an array of primitives far faster bare than inside another
 * array: a RUN whose items are `null` (or a RESULT whose values are) has them
 * in the very next message, a bare array. Only from this many items, and
 * only where it pays (Bun); the receiver always understands it.
 */
export const BARE_MIN = 256;

/** Whether to send large arrays of primitives bare, after a header (Bun). */
export const SEND_BARE: boolean = runtimeName() === "bun";

/**
 * Whether `items` may go bare: large enough, and every element a primitive
 * that always clones (no symbol, no object), so the header's partner can
 * never fail alone and desynchronise the stream.
 */
export function bareable(items: readonly unknown[]): boolean {
  const n = items.length;
  if (n < BARE_MIN) return false;
  for (let i = 0; i < n; i++) {
    const item = items[i];
    const type = typeof item;
    if (
      type !== "number" && type !== "string" && type !== "boolean" &&
      item !== undefined && item !== null
    ) return false;
  }
  return true;
}
