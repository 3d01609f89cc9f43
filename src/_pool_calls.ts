// How the pools' methods start a call: check the arguments, then start a map
// or imap job on the scheduler. PoolBase's methods are thin wrappers of these.
import type { AsyncResult } from "./async_result.ts";
import type { IMapIterator } from "./imap_iterator.ts";
import { startIMap } from "./_imap_job.ts";
import { imapInput, isArray, mapInput } from "./_input.ts";
import { startMap } from "./_map_job.ts";
import { type AnyCallOptions, callOptions } from "./_options.ts";
import type { Scheduler } from "./_scheduler.ts";
import * as check from "./_validate.ts";

/**
 * `applyAsync`: one task call, as a single-item map.
 *
 * @param scheduler The pool's scheduler.
 * @param fn The task, unchecked.
 * @param args Its arguments, unchecked (copied when the call is made).
 * @param options The call's options, unchecked.
 * @returns The pending value.
 */
export function startApply(
  scheduler: Scheduler,
  fn: unknown,
  args: unknown,
  options: AnyCallOptions | undefined,
): AsyncResult<never> {
  const action = "apply the task";
  scheduler.assertRunning();
  const task = check.task(action, "fn", fn);
  const input = [check.argList(action, "args", args).slice()];
  const opts = callOptions(action, options, "list");
  return startMapJob(scheduler, task, input, true, true, opts);
}

/**
 * `mapAsync` and `starmapAsync`.
 *
 * @param scheduler The pool's scheduler.
 * @param action The method's name, for error messages.
 * @param fn The task, unchecked.
 * @param iterable The inputs, unchecked.
 * @param star Whether each item is an argument list (`starmap`).
 * @param options The call's options, unchecked.
 * @returns The pending list of values.
 */
export function startMapFamily(
  scheduler: Scheduler,
  action: string,
  fn: unknown,
  iterable: unknown,
  star: boolean,
  options: number | AnyCallOptions | undefined,
): AsyncResult<never> {
  scheduler.assertRunning();
  const task = check.task(action, "fn", fn);
  const opts = callOptions(action, options, "function");
  const checked = check.iterable(action, iterable);
  // An array is read during the call (in chunks), without a copy first.
  const borrowed = isArray(checked);
  const input = borrowed ? checked as unknown[] : mapInput(checked);
  return startMapJob(scheduler, task, input, star, false, opts, borrowed);
}

function startMapJob(
  scheduler: Scheduler,
  task: unknown,
  input: ReturnType<typeof mapInput>,
  star: boolean,
  single: boolean,
  opts: AnyCallOptions,
  borrowed = false,
): AsyncResult<never> {
  return startMap(scheduler, {
    task: prepare(scheduler, task as string),
    input,
    star,
    single,
    chunkSize: single ? 1 : opts.chunkSize,
    signal: opts.signal,
    transfer: opts.transfer,
    callback: opts.callback,
    errorCallback: opts.errorCallback,
    timeout: opts.timeout,
    onProgress: opts.onProgress,
    borrowed,
  });
}

/**
 * `imap` and `imapUnordered`.
 *
 * @param scheduler The pool's scheduler.
 * @param action The method's name, for error messages.
 * @param fn The task, unchecked.
 * @param iterable The inputs, unchecked; read lazily.
 * @param ordered Whether values come in input order (`imap`).
 * @param options The call's options, unchecked.
 * @param processes The pool's worker count (the default `bufferSize` is twice it).
 * @returns An async iterator of the values.
 */
export function startIMapFamily(
  scheduler: Scheduler,
  action: string,
  fn: unknown,
  iterable: unknown,
  ordered: boolean,
  options: number | AnyCallOptions | undefined,
  processes: number,
): IMapIterator<never> {
  scheduler.assertRunning();
  const task = check.task(action, "fn", fn);
  const input = check.iterable(action, iterable);
  const opts = callOptions(action, options, "function");
  return startIMap(scheduler, {
    task: prepare(scheduler, task),
    input: imapInput(input),
    star: false,
    ordered,
    chunkSize: opts.chunkSize ?? 1,
    bufferSize: opts.bufferSize ?? 2 * processes,
    signal: opts.signal,
    timeout: opts.timeout,
    onProgress: opts.onProgress,
    transfer: opts.transfer,
  });
}

// The executor's form of the task; a synchronous failure becomes a rejection.
function prepare(
  scheduler: Scheduler,
  task: string | ((...args: never[]) => unknown),
): unknown {
  try {
    return scheduler.executor.prepare(task);
  } catch (error) {
    return Promise.reject(error);
  }
}
