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

  /** @param progress Where `progress(value)` goes; none drops the values. */
  constructor(progress?: (value: unknown) => void) {
    this.#progress = progress;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
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
