// Reading pool and call options: defaults and validation in one place.
import type { ExecutorConfig, Transfer } from "./_executor.ts";
import type { PoolOptions } from "./types.ts";
import * as check from "./_validate.ts";
import { cpuCount } from "./_runtime.ts";

/** Validates the constructor's argument into an executor config. */
export function poolConfig(
  options: number | PoolOptions | undefined,
): ExecutorConfig {
  const action = "create pool";
  const opts: PoolOptions = typeof options === "number" || options === undefined
    ? { processes: options }
    : options;
  if (typeof opts !== "object" || opts === null) {
    check.fail(action, "options", "a number or an object", options);
  }
  const processes = opts.processes === undefined
    ? cpuCount()
    : check.positiveInteger(action, "processes", opts.processes);
  if (opts.initializer !== undefined) {
    check.task(action, "initializer", opts.initializer);
  }
  if (opts.initArgs !== undefined) {
    check.argList(action, "initArgs", opts.initArgs);
  }
  if (opts.maxTasksPerChild !== undefined) {
    check.positiveInteger(action, "maxTasksPerChild", opts.maxTasksPerChild);
  }
  if (
    opts.module !== undefined && typeof opts.module !== "string" &&
    !(opts.module instanceof URL)
  ) {
    check.fail(action, "module", "a string or a URL", opts.module);
  }
  const idleTimeout = opts.idleTimeout === undefined
    ? undefined
    : check.milliseconds(action, "idleTimeout", opts.idleTimeout);
  const resourceLimits = opts.resourceLimits === undefined
    ? undefined
    : check.resourceLimits(action, opts.resourceLimits);
  if (
    opts.workerUrl !== undefined && typeof opts.workerUrl !== "string" &&
    !(opts.workerUrl instanceof URL)
  ) {
    check.fail(action, "workerUrl", "a string or a URL", opts.workerUrl);
  }
  return {
    processes,
    initializer: opts.initializer,
    initArgs: opts.initArgs ?? [],
    maxTasksPerChild: opts.maxTasksPerChild,
    module: opts.module,
    idleTimeout,
    resourceLimits,
    workerUrl: opts.workerUrl,
  };
}

/** Call options with every field a call may read. */
export interface AnyCallOptions {
  chunkSize?: number;
  bufferSize?: number;
  signal?: AbortSignal;
  transfer?: Transfer;
  callback?: (value: never) => unknown;
  errorCallback?: (error: unknown) => unknown;
  timeout?: number;
  onProgress?: (value: unknown) => unknown;
}

/**
 * Validates a call's options; a number stands for `chunkSize`. `transfer` is
 * a list for the apply family (`"list"`), a function of the item for the map
 * family (`"function"`).
 */
export function callOptions(
  action: string,
  options: number | AnyCallOptions | undefined,
  transfer: "list" | "function",
): AnyCallOptions {
  if (options === undefined) return {};
  if (typeof options === "number") {
    return { chunkSize: check.positiveInteger(action, "chunkSize", options) };
  }
  if (typeof options !== "object" || options === null) {
    check.fail(action, "options", "a number or an object", options);
  }
  if (options.chunkSize !== undefined) {
    check.positiveInteger(action, "chunkSize", options.chunkSize);
  }
  if (options.bufferSize !== undefined) {
    check.positiveInteger(action, "bufferSize", options.bufferSize);
  }
  check.signal(action, options.signal);
  check.optionalFunction(action, "callback", options.callback);
  check.optionalFunction(action, "errorCallback", options.errorCallback);
  check.optionalFunction(action, "onProgress", options.onProgress);
  if (options.timeout !== undefined) {
    check.milliseconds(action, "timeout", options.timeout);
  }
  const given = options.transfer;
  if (given === undefined) return options;
  if (transfer === "list" && !Array.isArray(given)) {
    check.fail(action, "transfer", "an array of transferable objects", given);
  }
  if (transfer === "function" && typeof given !== "function") {
    check.fail(
      action,
      "transfer",
      "a function of the item returning its transferable objects (a list is for apply)",
      given,
    );
  }
  return options;
}
