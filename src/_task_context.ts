// Which task is running, for `taskSignal()` and `progress()` (task.ts). A
// chunk runs its items inside `runInTask`; `currentTask` finds the chunk's
// context again, across `await`s, through `AsyncLocalStorage` from
// `node:async_hooks` (Deno, Node and Bun have it). It is loaded with
// `process.getBuiltinModule`, never by a static import, so the core still runs
// in a browser, where only the synchronous part of a task (up to its first
// `await`) sees its context, except in a Pool worker, which runs one chunk at a
// time and so knows its chunk throughout.
//
// The state lives on `globalThis` under a registered symbol, so two copies of
// this module (say the package's and a task module's own) share it.

import { runtimeName } from "./_runtime.ts";

/** What a running task can reach: its signal, and where its progress goes. */
export interface TaskContext {
  /** Aborted when the task's call is aborted or times out, or the pool terminates. */
  readonly signal: AbortSignal;
  /** Delivers `value` to the call's `onProgress`. */
  progress(value: unknown): void;
}

interface Storage {
  run<T>(store: TaskContext, fn: () => T): T;
  getStore(): TaskContext | undefined;
}

// Where a snapshot is cheaper to enter than a new run (Node's
// AsyncContextFrame); on Deno and Bun it is not (measured), so they keep a
// run per chunk.
const CHEAP_SNAPSHOTS = runtimeName() !== "deno" && runtimeName() !== "bun";

/** `AsyncLocalStorage.snapshot()`: runs a function in the context it was taken in. */
type Snapshot = <T>(fn: () => T) => T;

interface State {
  /** `AsyncLocalStorage`, where the runtime has it. */
  storage: Storage | undefined;
  /** The context of the synchronous code running now, without `storage`. */
  current: TaskContext | undefined;
  /** The context of the chunk a Pool worker runs (it runs one at a time). */
  worker: TaskContext | undefined;
}

const KEY = Symbol.for("multipool.taskContext");

interface Runtime {
  [KEY]?: State;
  process?: {
    getBuiltinModule?: (id: string) => unknown;
  };
}

function loadStorage(): Storage | undefined {
  try {
    const hooks = (globalThis as Runtime).process?.getBuiltinModule?.(
      "node:async_hooks",
    ) as { AsyncLocalStorage?: new () => Storage } | undefined;
    return hooks?.AsyncLocalStorage ? new hooks.AsyncLocalStorage() : undefined;
  } catch {
    return undefined;
  }
}

function state(): State {
  const runtime = globalThis as Runtime;
  return runtime[KEY] ??= {
    storage: loadStorage(),
    current: undefined,
    worker: undefined,
  };
}

/** Runs `fn` as (part of) the task whose context is `context`. */
export function runInTask<T>(context: TaskContext, fn: () => T): T {
  const shared = state();
  if (shared.storage) return shared.storage.run(context, fn);
  const previous = shared.current;
  shared.current = context;
  try {
    return fn();
  } finally {
    shared.current = previous;
  }
}

/**
 * The chunks of one call that a ThreadPool slot runs one after another: the
 * storage is entered once per lane (an `AsyncLocalStorage.run` costs a new
 * context frame, as much as a tiny task itself), and each chunk then runs in
 * that context through a snapshot, with the lane pointing at its control.
 * A chunk's async continuations see their own chunk's control while it runs
 * (a slot runs one chunk at a time, and keeps it until it settles); only a
 * continuation the task left behind past its own end sees a later chunk of
 * the same call.
 */
export class TaskLane implements TaskContext {
  /** The call whose chunks run in this lane. */
  readonly call: unknown;
  #control: TaskContext | undefined;
  #enter: Snapshot | undefined;

  constructor(call: unknown) {
    this.call = call;
  }

  get signal(): AbortSignal {
    return this.#control!.signal;
  }

  progress(value: unknown): void {
    this.#control!.progress(value);
  }

  /** Runs `fn` as the chunk whose context is `control`. */
  run<T>(control: TaskContext, fn: () => T): T {
    const shared = state();
    const storage = shared.storage;
    if (storage === undefined) return runInTask(control, fn);
    if (this.#enter === undefined) {
      const snapshot = (storage.constructor as { snapshot?: () => Snapshot })
        .snapshot;
      if (typeof snapshot !== "function" || !CHEAP_SNAPSHOTS) {
        return storage.run(control, fn);
      }
      this.#enter = storage.run(this, () => snapshot.call(storage.constructor));
    }
    this.#control = control;
    return this.#enter(fn);
  }
}

/** In a Pool worker: the context of the chunk it runs now (or none). */
export function setWorkerTask(context: TaskContext | undefined): void {
  state().worker = context;
}

/** The running task's context, or a `TypeError` naming `what` was called. */
export function currentTask(what: string): TaskContext {
  const shared = state();
  const context = shared.storage?.getStore() ?? shared.current ??
    shared.worker;
  if (context === undefined) {
    throw new TypeError(
      `Cannot call ${what} outside a task: call it from code a pool runs as a task`,
    );
  }
  return context;
}

/**
 * A chunk's context: its signal is made only when a task asks for it, so
 * tasks that never call `taskSignal()` cost no `AbortController`.
 */
export class TaskControl implements TaskContext {
  #controller: AbortController | undefined;
  #aborted: { reason: unknown } | undefined;
  #progress: ((value: unknown) => void) | undefined;
  /** Called as each item starts (for per-task timeouts). */
  onItem?: (index: number) => void;
  /** Called once, when a task first asks for the signal. */
  onSignal?: () => void;

  /** @param progress Where `progress(value)` goes; none drops the values. */
  constructor(progress?: (value: unknown) => void) {
    this.#progress = progress;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      this.onSignal?.();
      if (this.#aborted) this.#controller.abort(this.#aborted.reason);
    }
    return this.#controller.signal;
  }

  /** Whether `abort` was called. */
  get aborted(): boolean {
    return this.#aborted !== undefined;
  }

  /** The reason given to `abort`. */
  get reason(): unknown {
    return this.#aborted?.reason;
  }

  /** Aborts the signal with `reason` (the first reason wins); later progress is dropped. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = { reason };
    this.#progress = undefined;
    this.#controller?.abort(reason);
  }

  /** The chunk is done: later progress is dropped. */
  finish(): void {
    this.#progress = undefined;
  }

  progress(value: unknown): void {
    this.#progress?.(value);
  }
}
