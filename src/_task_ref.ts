// How a task reaches a worker: an export of `options.module` by reference
// (like pickle sends a function by qualified name), a built-in by its global
// path, any other function by its source text.
import { exportNamed, TaskModule } from "./_module.ts";
import type { Task } from "./types.ts";

/** A task as a worker can find it again. */
export type TaskRef =
  | { export: string }
  | { global: string }
  | { source: string; name?: string };

// Where built-ins live: their own functions and those of these objects.
const HOLDERS = [
  "Math",
  "JSON",
  "Reflect",
  "Atomics",
  "Object",
  "Array",
  "Number",
  "String",
  "Boolean",
  "BigInt",
  "Symbol",
  "Date",
  "Promise",
  "ArrayBuffer",
  "URL",
];
// A name the worker can bind the source to, so recursion by name works.
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;
// Global functions some runtimes write in JavaScript (so not `[native code]`).
const KNOWN = new Set([
  "structuredClone",
  "atob",
  "btoa",
  "queueMicrotask",
  "fetch",
]);

let holders: Map<unknown, string> | undefined;
let globals: Map<unknown, string> | undefined;

function isNative(fn: unknown): boolean {
  return NATIVE.test(Function.prototype.toString.call(fn));
}

// Adds each function of `holder` (all of them, or only the native or KNOWN
// ones) to `paths` under `prefix + key`. Reading a descriptor materializes a
// lazy global (Node loads its fetch implementation for `fetch`), so the
// global object is scanned only for a task that may be one of its built-ins.
function scan(
  paths: Map<unknown, string>,
  holder: object,
  prefix: string,
  all: boolean,
): void {
  for (const key of Object.getOwnPropertyNames(holder)) {
    const value = Object.getOwnPropertyDescriptor(holder, key)?.value;
    if (
      typeof value === "function" && !paths.has(value) &&
      (all || KNOWN.has(key) || isNative(value))
    ) {
      paths.set(value, prefix + key);
    }
  }
}

// The global path of a built-in function, e.g. `Math.abs` → "Math.abs": the
// functions of the HOLDERS are the runtime's; on the global object itself,
// only native or KNOWN ones are (a script may add its own).
function builtinPath(fn: (...args: never[]) => unknown): string | undefined {
  const global = globalThis as Record<string, unknown>;
  if (holders === undefined) {
    holders = new Map();
    for (const name of HOLDERS) {
      const holder = Object.getOwnPropertyDescriptor(global, name)?.value;
      if (holder != null) scan(holders, holder as object, `${name}.`, true);
    }
  }
  const path = holders.get(fn);
  if (path !== undefined || (!KNOWN.has(fn.name) && !isNative(fn))) {
    return path;
  }
  if (globals === undefined) scan(globals = new Map(), global, "", false);
  return globals.get(fn);
}

/** The function at a global path such as `"Math.abs"`, or a `TypeError`. */
export function globalFunction(path: string): (...args: unknown[]) => unknown {
  let value: unknown = globalThis;
  for (const key of path.split(".")) {
    value = (value as Record<string, unknown>)?.[key];
  }
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot run task '${path}' as it is not a function in the worker`,
    );
  }
  return value as (...args: unknown[]) => unknown;
}

/** A task made ready to send: one id per distinct reference. */
export interface Prepared {
  readonly id: number;
  readonly ref: TaskRef;
}

/** Turns tasks into references against one pool's `options.module`. */
export class TaskRefs {
  readonly module: TaskModule | undefined;
  #byName = new Map<string, Prepared>();
  #byFn = new WeakMap<object, Prepared>();
  #byKey = new Map<string, Prepared>();
  #names: Map<unknown, string> | undefined;

  /** @param module The pool's `options.module`, if any. */
  constructor(module: string | URL | undefined) {
    if (module !== undefined) this.module = new TaskModule(module);
  }

  /**
   * `task` with its id: the same id for the same reference (an inline arrow
   * function written once but created anew per call keeps its id).
   */
  prepare(task: Task): Prepared | Promise<Prepared> {
    const cached = typeof task === "string"
      ? this.#byName.get(task)
      : this.#byFn.get(task);
    if (cached !== undefined) return cached;
    const ref = this.resolve(task);
    return ref instanceof Promise
      ? ref.then((ref) => this.#intern(task, ref))
      : this.#intern(task, ref);
  }

  #intern(task: Task, ref: TaskRef): Prepared {
    const key = "export" in ref
      ? `e${ref.export}`
      : "global" in ref
      ? `g${ref.global}`
      : `s${ref.name}\n${ref.source}`;
    let prepared = this.#byKey.get(key);
    if (prepared === undefined) {
      prepared = { id: this.#byKey.size, ref };
      this.#byKey.set(key, prepared);
    }
    if (typeof task === "string") this.#byName.set(task, prepared);
    else this.#byFn.set(task, prepared);
    return prepared;
  }

  /** The reference for `task`; a promise while the module is being imported. */
  resolve(task: Task): TaskRef | Promise<TaskRef> {
    if (typeof task === "string") {
      const fn = exportNamed(this.module, task);
      return fn instanceof Promise
        ? fn.then(() => ({ export: task }))
        : { export: task };
    }
    if (this.module === undefined) return this.#byValue(task, undefined);
    return this.module.read((exports) => this.#byValue(task, exports));
  }

  // A function: an export of the module by reference, a built-in by its
  // global path, anything else by its source text.
  #byValue(
    task: Exclude<Task, string>,
    exports: Record<string, unknown> | undefined,
  ): TaskRef {
    if (exports !== undefined && this.#names === undefined) {
      this.#names = new Map();
      for (const [name, value] of Object.entries(exports)) {
        if (typeof value === "function" && !this.#names.has(value)) {
          this.#names.set(value, name);
        }
      }
    }
    const name = this.#names?.get(task);
    if (name !== undefined) return { export: name };
    const path = builtinPath(task);
    if (path !== undefined) return { global: path };
    if (isNative(task)) {
      throw new TypeError(
        `Cannot send task '${
          task.name || "(anonymous)"
        }' to a worker as it is a native or bound function: export it from 'module' and pass it by reference`,
      );
    }
    const source = Function.prototype.toString.call(task);
    return IDENTIFIER.test(task.name)
      ? { source, name: task.name }
      : { source };
  }
}
