// One call of the map family (and apply, a map of one): chunks the input,
// gathers results in input order, runs the callbacks, settles an AsyncResult.
import { AsyncResult } from "./async_result.ts";
import type { Transfer } from "./_executor.ts";
import { AsyncInput, mapInput } from "./_input.ts";
import { isThenable } from "./_run_chunk.ts";
import type { Job, Place, ScheduledChunk, Scheduler } from "./_scheduler.ts";
import type { TaskHooks } from "./_executor.ts";

/** What a map-family call asks for, already validated. */
export interface MapCall {
  task: unknown;
  /** The input, read; an async one to read; or the error reading it threw. */
  input: readonly unknown[] | AsyncInput | Promise<never>;
  star: boolean;
  /** Settle with the first result rather than the list (apply). */
  single: boolean;
  chunkSize?: number;
  signal?: AbortSignal;
  transfer?: Transfer;
  callback?: (value: never) => unknown;
  errorCallback?: (error: unknown) => unknown;
  /** Milliseconds each task may run once started. */
  timeout?: number;
  /** Receives what the call's tasks report with `progress()`. */
  onProgress?: (value: unknown) => unknown;
  /**
   * `input` is the caller's own array, not a copy: the job reads it during
   * the call (its chunks are copies), or copies it if it must wait.
   */
  borrowed?: boolean;
}

/**
 * The hooks a call's chunks carry (or none): its timeout, and its progress
 * delivered to `onProgress` while `job` has not settled; a throwing
 * `onProgress` cancels `job` with what it threw.
 */
export function taskHooks(
  timeout: number | undefined,
  onProgress: ((value: unknown) => unknown) | undefined,
  job: { settled(): boolean; cancel(reason: unknown): void },
): TaskHooks | undefined {
  if (timeout === undefined && onProgress === undefined) return undefined;
  if (onProgress === undefined) return { timeout };
  return {
    timeout,
    progress: (value) => {
      if (job.settled()) return;
      try {
        onProgress(value);
      } catch (error) {
        job.cancel(error);
      }
    },
  };
}

/** CPython's default: `ceil(n / (processes * 4))`. */
function defaultChunkSize(length: number, processes: number): number {
  return Math.max(1, Math.ceil(length / (processes * 4)));
}

/** Starts a map-family call on `scheduler`; returns its result at once. */
export function startMap<T>(
  scheduler: Scheduler,
  call: MapCall,
): AsyncResult<T> {
  return new AsyncResult<T>((resolve, reject) => {
    new MapJob(scheduler, call, resolve as (value: unknown) => void, reject);
  });
}

class MapJob implements Job {
  #scheduler: Scheduler;
  #call: MapCall;
  #resolve: (value: unknown) => void;
  #reject: (error: unknown) => void;
  /** The chunks by index (start / size), each until it is done. */
  #chunks: (ScheduledChunk | undefined)[] = [];
  /** How many of them are not done. */
  #pending = 0;
  #size = 1;
  /** The values by input index: allocated once the chunks are posted. */
  #results: unknown[] | undefined;
  #length = 0;
  #failed: { error: unknown } | undefined;
  #settled = false;
  #onAbort: (() => void) | undefined;
  #hooks: TaskHooks | undefined;
  #asyncInput: AsyncInput | undefined;
  #place: Place | undefined;

  constructor(
    scheduler: Scheduler,
    call: MapCall,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ) {
    this.#scheduler = scheduler;
    this.#call = call;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#hooks = taskHooks(call.timeout, call.onProgress, this);
    // Everything starts or ends a microtask later, so no task runs and no
    // callback fires before the call has returned its result.
    const { signal, task } = call;
    let input: readonly unknown[] | Promise<readonly unknown[]> | AsyncInput =
      call.input;
    let borrowed = call.borrowed === true && !signal?.aborted;
    if (borrowed && isThenable(task)) {
      // The chunks are made later: read the caller's array now.
      input = mapInput(input as unknown[]) as readonly unknown[];
      borrowed = false;
    }
    if (signal?.aborted) {
      queueMicrotask(() => this.#finish({ error: signal.reason }));
    } else {
      if (input instanceof AsyncInput) {
        this.#asyncInput = input;
        input = input.read();
      }
      if (signal) {
        this.#onAbort = () => this.cancel(signal.reason);
        signal.addEventListener("abort", this.#onAbort, { once: true });
      }
      scheduler.track(this);
    }
    // A task still being resolved keeps the call's place in the queue.
    if (isThenable(task) && !isThenable(input) && !signal?.aborted) {
      this.#place = scheduler.reserve();
    }
    if (isThenable(task) || isThenable(input)) {
      Promise.all([task, input]).then(
        ([task, input]) => {
          if (this.#settled) return;
          this.#start(task, this.#split(input as readonly unknown[]));
        },
        (error) => this.#finish({ error }),
      );
    } else if (!signal?.aborted) {
      // Queued now, to keep the call's place; started a microtask later.
      if (borrowed) this.#startBorrowed(task, input as readonly unknown[]);
      else this.#start(task, this.#split(input as readonly unknown[]), true);
    }
  }

  // Starts on the caller's own array, read now: its chunks are its slices
  // (no copy of the whole first). An array whose reading throws (a Proxy)
  // is read as any other input, and its error fails the call.
  #startBorrowed(task: unknown, input: readonly unknown[]): void {
    let parts: (readonly unknown[])[] | undefined;
    try {
      const n = input.length;
      if (Number.isSafeInteger(n) && n >= 0 && n < 2 ** 32) {
        parts = this.#split(input, true);
      }
    } catch {
      parts = undefined;
    }
    if (parts !== undefined) return this.#start(task, parts, true);
    const read = mapInput(input as unknown[]);
    if (Array.isArray(read)) return this.#start(task, this.#split(read), true);
    (read as Promise<never>).then(
      undefined,
      (error) => this.#finish({ error }),
    );
  }

  // The items of the call's chunks: slices of `input`, or `input` itself
  // when one chunk takes it all and it is the call's own (`copy` false).
  // Sets the call's length and chunk size.
  #split(input: readonly unknown[], copy = false): (readonly unknown[])[] {
    const n = input.length;
    const size = this.#call.chunkSize ??
      defaultChunkSize(n, this.#scheduler.processes);
    this.#length = n;
    this.#size = size;
    if (n > 0 && size >= n && !copy) return [input];
    const parts: (readonly unknown[])[] = [];
    for (let start = 0; start < n; start += size) {
      parts.push(input.slice(start, start + size));
    }
    return parts;
  }

  #start(
    task: unknown,
    parts: readonly (readonly unknown[])[],
    now = false,
  ): void {
    if (this.#settled) return;
    const { star } = this.#call;
    if (parts.length === 0) {
      if (now) queueMicrotask(() => this.#finish());
      else this.#finish();
      return;
    }
    const size = this.#size;
    for (let k = 0; k < parts.length && !this.#settled; k++) {
      const items = parts[k];
      const start = k * size;
      const chunk = this.#scheduler.submit(
        task,
        items,
        star,
        start,
        this.#deliver,
        this.#call.transfer,
        this.#place,
      );
      if (this.#hooks) chunk.hooks = this.#hooks;
      this.#chunks.push(chunk);
      this.#pending++;
    }
    this.#leave();
    if (now) queueMicrotask(() => this.#post());
    else this.#post();
  }

  // Posts the chunks, then allocates the results while the workers run
  // them: a large array costs page faults (ms on Node) that would otherwise
  // delay the first chunk.
  #post(): void {
    this.#scheduler.pump();
    // One chunk: its values become the results as they are.
    if (!this.#settled && this.#pending > 1) {
      this.#results ??= new Array(this.#length);
    }
  }

  // Gives up the call's place in the queue, if it holds one.
  #leave(): void {
    if (this.#place) this.#scheduler.release(this.#place);
  }

  #deliver = (
    chunk: ScheduledChunk,
    values: unknown[],
    errors?: ReadonlyMap<number, unknown>,
  ): void => this.#done(chunk, values, errors);

  #done(
    chunk: ScheduledChunk,
    values: unknown[],
    errors?: ReadonlyMap<number, unknown>,
  ): void {
    // An array, not a Set: deleting from a Set of 100k chunks costs more
    // than a tiny task.
    const k = Math.floor(chunk.start / this.#size);
    if (this.#chunks[k] === chunk) {
      this.#chunks[k] = undefined;
      this.#pending--;
    }
    if (this.#settled) return;
    if (errors?.size && !this.#failed) {
      this.#failed = { error: errors.values().next().value };
    }
    if (!this.#failed) {
      if (this.#results === undefined && values.length === this.#length) {
        // (Numbers may come packed in a Float64Array.)
        this.#results = Array.isArray(values) ? values : Array.from(values);
        if (this.#pending === 0) this.#finish();
        return;
      }
      const results = this.#results ??= new Array(this.#length);
      for (let i = 0, at = chunk.start; i < values.length; i++, at++) {
        results[at] = values[i];
      }
    }
    if (this.#pending === 0) this.#finish(this.#failed);
  }

  #finish(failure?: { error: unknown }): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#asyncInput?.stop();
    this.#leave();
    if (this.#onAbort) {
      this.#call.signal!.removeEventListener("abort", this.#onAbort);
    }
    this.#scheduler.untrack(this);
    const { callback, errorCallback, single } = this.#call;
    if (failure) {
      const { error } = failure;
      return this.#after(
        () => errorCallback?.(error),
        () => this.#reject(error),
      );
    }
    const results = this.#results ?? new Array(this.#length);
    const value = single ? results[0] : results;
    this.#after(() => callback?.(value as never), () => this.#resolve(value));
  }

  // Runs a callback, then `settle`; a callback that throws or rejects fails
  // the call with its error instead (an async one is awaited).
  #after(run: () => unknown, settle: () => void): void {
    let returned: unknown;
    let thenable: boolean;
    try {
      returned = run();
      thenable = isThenable(returned);
    } catch (thrown) {
      return this.#reject(thrown);
    }
    if (thenable) {
      Promise.resolve(returned).then(settle, (thrown) => this.#reject(thrown));
    } else settle();
  }

  /** Whether the call has settled. */
  settled(): boolean {
    return this.#settled;
  }

  cancel(reason: unknown): void {
    if (this.#settled) return;
    const chunks = this.#chunks.filter((chunk) => chunk !== undefined);
    this.#chunks = [];
    this.#pending = 0;
    this.#scheduler.cancel(chunks, reason);
    this.#finish({ error: reason });
  }

  drain(): void {}
}
