// The worker side's tasks: a task reference (an export of the task module, a
// built-in, or source text) resolved to a function once per worker, and the
// hint a source-text task gets when it uses what it cannot see.
import { exportedFunction } from "./_module.ts";
import { toWire, type Wire } from "./_protocol.ts";
import { globalFunction, type TaskRef } from "./_task_ref.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => unknown;

/** A task resolved on the worker. */
export interface Entry {
  fn: Fn;
  /** Sent as source text: a ReferenceError gets a hint. */
  source: boolean;
  /** Resolving the task threw: every chunk of it fails with this. */
  failed?: { error: unknown };
}

// A task sent as source text, compiled; a Content-Security-Policy without
// 'unsafe-eval' forbids that: say what to do instead.
function compile(source: string, name: string | undefined): Fn {
  try {
    return compileSource(source, name);
  } catch (error) {
    if (!(error instanceof EvalError)) throw error;
    throw new EvalError(
      `${error.message}: the task was sent to the worker as source text, which ` +
        `needs eval (a Content-Security-Policy without 'unsafe-eval' forbids it). ` +
        `Export the function from the pool's 'module' option (options.module) ` +
        `and pass it, or its name, as the task`,
      { cause: error },
    );
  }
}

function compileSource(source: string, name: string | undefined): Fn {
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

/**
 * The function a task reference names: an export of the task module
 * (`exports`, imported from `specifier`), a built-in, or source text.
 */
export function resolveTask(
  ref: TaskRef,
  exports: Record<string, unknown>,
  specifier: string | undefined,
): Fn {
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

/** A task as the worker keeps it: resolved once, or why it could not be. */
export function defineTask(
  ref: TaskRef,
  exports: Record<string, unknown>,
  specifier: string | undefined,
): Entry {
  try {
    return {
      fn: resolveTask(ref, exports, specifier),
      source: "source" in ref,
    };
  } catch (error) {
    return { fn: () => {}, source: false, failed: { error } };
  }
}

/** An error of a task made clonable; a ReferenceError in a function sent by source says so and names the identifier. */
export function explain(error: unknown, entry: Entry): Wire {
  const wire = toWire(error);
  // By the record's name: `instanceof` runs a hostile Proxy's traps.
  if (!entry.source || !("error" in wire)) return wire;
  const record = wire.error;
  if (record.name !== "ReferenceError") return wire;
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
