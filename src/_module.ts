// Finding and loading `options.module`, shared by both pools.
import { baseUrl, runtimeName } from "./_runtime.ts";

// deno-lint-ignore no-explicit-any
export type Fn = (...args: any[]) => unknown;

/**
 * The specifier to import `module` by: URLs as they are, paths (absolute, or
 * relative to the working directory, or to the page in a browser) as URLs,
 * bare names as they are.
 */
export function moduleSpecifier(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]+:/i.test(module)) return module;
  if (/^\.{0,2}\//.test(module)) return new URL(module, baseUrl()).href;
  return module;
}

/**
 * What to add to an import error of `module`: a relative path is resolved
 * against the working directory, which is rarely what was meant.
 */
export function moduleHint(module: string | URL): string {
  if (typeof module !== "string" || !/^\.{1,2}\//.test(module)) return "";
  return ` ('module' ${JSON.stringify(module)} is resolved against ${
    runtimeName() === "browser" ? "the page URL" : "the working directory"
  }; for a module next to your code, pass new URL(${
    JSON.stringify(module)
  }, import.meta.url))`;
}

/** A pool's `options.module`: imported once, then read synchronously. */
export class TaskModule {
  readonly specifier: string;
  /** What to add to an import error (see {@linkcode moduleHint}). */
  readonly hint: string;
  /** Importing it failed. */
  failed = false;
  #exports: Record<string, unknown> | undefined;
  #loading: Promise<Record<string, unknown>> | undefined;

  constructor(module: string | URL) {
    this.specifier = moduleSpecifier(module);
    this.hint = moduleHint(module);
  }

  /** `use(exports)`: at once when the module is imported, else once it is. */
  read<T>(use: (exports: Record<string, unknown>) => T): T | Promise<T> {
    if (this.#exports) return use(this.#exports);
    this.#loading ??= import(this.specifier).then(
      (exports) => this.#exports = exports,
      (error) => {
        this.failed = true;
        throw new Error(
          `Cannot import the task module '${this.specifier}'${this.hint}: ${
            (error as Error)?.message ?? error
          }`,
          { cause: error },
        );
      },
    );
    return this.#loading.then(use);
  }
}

/** The function `module` exports as `name`, or a `TypeError` (also without a module). */
export function exportNamed(
  module: TaskModule | undefined,
  name: string,
): Fn | Promise<Fn> {
  if (module === undefined) {
    throw new TypeError(
      `Cannot run task '${name}' as no 'module' option was given to the pool`,
    );
  }
  return module.read((exports) =>
    exportedFunction(exports, name, module.specifier)
  );
}

/** The exported function `name` of a loaded module, or a `TypeError`. */
export function exportedFunction(
  exports: Record<string, unknown>,
  name: string,
  specifier: string,
): Fn {
  const value = exports[name];
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot run task '${name}' as the module '${specifier}' does not export a function of that name`,
    );
  }
  return value as Fn;
}
