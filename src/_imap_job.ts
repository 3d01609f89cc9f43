// One imap/imapUnordered call: reads its input lazily, at most bufferSize
// chunks ahead of what was yielded, and yields in input or completion order.
import { TimeoutError } from "./errors.ts";
import type { Transfer } from "./_executor.ts";
import type { IMapIterator } from "./imap_iterator.ts";
import type { Job, Place, ScheduledChunk, Scheduler } from "./_scheduler.ts";
import { checkStep, closeIterator } from "./_input.ts";
import { isThenable } from "./_run_chunk.ts";
import { startTimer, type Timer } from "./_timer.ts";
import { timeout as checkTimeout } from "./_validate.ts";
import type { TaskHooks } from "./_executor.ts";
import { taskHooks } from "./_map_job.ts";

/** What an imap call asks for, already validated. */
export interface IMapCall {
  task: unknown;
  input: Iterable<unknown> | AsyncIterable<unknown>;
  star: boolean;
  ordered: boolean;
  chunkSize: number;
  bufferSize: number;
  signal?: AbortSignal;
  /** Milliseconds each task may run once started. */
  timeout?: number;
  /** Receives what the call's tasks report with `progress()`. */
  onProgress?: (value: unknown) => unknown;
  transfer?: Transfer;
}

interface Slot {
  chunk: ScheduledChunk;
  seq: number;
  pos: number;
  values?: unknown[];
  errors?: ReadonlyMap<number, unknown>;
}

interface Waiter {
  resolve: (result: IteratorResult<unknown, undefined>) => void;
  reject: (error: unknown) => void;
  timer?: Timer;
}

type Taken = { ok: true; result: IteratorResult<unknown, undefined> } | {
  ok: false;
  error: unknown;
};

const DONE: IteratorResult<never, undefined> = { done: true, value: undefined };

/** Starts an imap call on `scheduler`. */
export function startIMap<R>(
  scheduler: Scheduler,
  call: IMapCall,
): IMapIterator<R> {
  return new IMapJob(scheduler, call) as unknown as IMapIterator<R>;
}

class IMapJob implements Job {
  #scheduler: Scheduler;
  #call: IMapCall;
  #source: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  #async: boolean;
  #task: unknown;
  #taskReady: boolean;
  #inFlight = new Map<ScheduledChunk, Slot>();
  #early = new Map<number, Slot>();
  #ready: Slot[] = [];
  #seq = 0;
  #nextSeq = 0;
  #outstanding = 0;
  #inputDone = false;
  #inputError: { error: unknown } | undefined;
  #fatal: { error: unknown } | undefined;
  #ended = false;
  #stopped = false;
  #feeding = false;
  #draining = false;
  #tracked = false;
  #waiters: Waiter[] = [];
  #onAbort: (() => void) | undefined;
  #hooks: TaskHooks | undefined;
  #place: Place | undefined;

  constructor(scheduler: Scheduler, call: IMapCall) {
    this.#scheduler = scheduler;
    this.#call = call;
    this.#hooks = taskHooks(call.timeout, call.onProgress, this);
    this.#taskReady = !isThenable(call.task);
    this.#task = call.task;
    // A task that fails to resolve is reported by next(), never unhandled.
    if (!this.#taskReady) {
      (call.task as PromiseLike<unknown>).then(undefined, () => {});
    }
    const input = call.input as Partial<
      AsyncIterable<unknown> & Iterable<unknown>
    >;
    this.#async = typeof input[Symbol.asyncIterator] === "function";
    const { signal } = call;
    if (signal?.aborted) {
      this.#fatal = { error: signal.reason };
      this.#stopped = true;
      return;
    }
    try {
      this.#source = this.#async
        ? input[Symbol.asyncIterator]!()
        : input[Symbol.iterator]!();
    } catch (error) {
      this.#inputError = { error };
      this.#inputDone = true;
      return;
    }
    if (signal) {
      this.#onAbort = () => this.cancel(signal.reason);
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    this.#tracked = true;
    scheduler.track(this);
    // The call keeps its place in the queue for the chunks its first feed
    // submits, a microtask or a task resolution later.
    if (!this.#async) this.#place = scheduler.reserve();
    // Started a microtask later, so no task runs before imap() has returned.
    queueMicrotask(() => this.#feed());
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(timeout?: number): Promise<IteratorResult<unknown, undefined>> {
    const ms = checkTimeout("wait for the next result", timeout);
    if (this.#waiters.length === 0) {
      const taken = this.#take();
      if (taken) {
        this.#feed();
        return taken.ok
          ? Promise.resolve(taken.result)
          : Promise.reject(taken.error);
      }
    }
    // Nothing ready now: a zero wait times out at once, never racing a result.
    if (ms === 0) {
      return Promise.reject(
        new TimeoutError("Timed out after 0 ms waiting for the next result"),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.#waiters.push(waiter);
      if (ms === undefined) return;
      waiter.timer = startTimer(ms, () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(
          new TimeoutError(
            `Timed out after ${ms} ms waiting for the next result`,
          ),
        );
      });
    });
  }

  return(): Promise<IteratorResult<unknown, undefined>> {
    if (!this.#ended) {
      this.#end();
      for (const chunk of this.#inFlight.keys()) {
        if (this.#scheduler.withdraw(chunk)) this.#inFlight.delete(chunk);
      }
      this.#scheduler.pump();
      this.#flush();
      this.#untrackIfIdle();
    }
    return Promise.resolve(DONE);
  }

  /** Whether the iterator has nothing more to deliver: progress is dropped. */
  settled(): boolean {
    return this.#ended || this.#fatal !== undefined;
  }

  // Gives up the call's place in the queue, if it holds one.
  #leave(): void {
    if (this.#place) this.#scheduler.release(this.#place);
  }

  cancel(reason: unknown): void {
    this.#leave();
    if (!this.#ended && !this.#fatal) this.#fatal = { error: reason };
    this.#stopped = true;
    this.#scheduler.cancel(this.#inFlight.keys(), reason);
    this.#inFlight.clear();
    this.#ready = [];
    this.#early.clear();
    this.#closeSource();
    this.#flush();
    this.#untrackIfIdle();
  }

  drain(): void {
    this.#draining = true;
    this.#feed();
  }

  // Reads input and submits chunks while fewer than bufferSize are unyielded.
  async #feed(): Promise<void> {
    if (this.#feeding || this.#inputDone || this.#stopped) return;
    this.#feeding = true;
    const { chunkSize, bufferSize, star } = this.#call;
    try {
      if (!this.#taskReady) {
        this.#task = await this.#task;
        this.#taskReady = true;
      }
      while (
        !this.#inputDone && !this.#stopped &&
        (this.#draining || this.#outstanding < bufferSize)
      ) {
        const items: unknown[] = [];
        try {
          while (items.length < chunkSize && !this.#stopped) {
            const step = checkStep(
              this.#async
                ? await (this.#source as AsyncIterator<unknown>).next()
                : (this.#source as Iterator<unknown>).next(),
            );
            if (step.done) {
              this.#inputDone = true;
              break;
            }
            items.push(step.value);
          }
        } catch (error) {
          this.#inputError = { error };
          this.#inputDone = true;
        }
        if (this.#stopped || items.length === 0) break;
        const chunk = this.#scheduler.submit(
          this.#task,
          items,
          star,
          0,
          this.#deliver,
          this.#call.transfer,
          this.#place,
        );
        if (this.#hooks) chunk.hooks = this.#hooks;
        this.#inFlight.set(chunk, { chunk, seq: this.#seq++, pos: 0 });
        this.#outstanding++;
        this.#scheduler.pump();
      }
    } catch (error) {
      if (!this.#fatal && !this.#ended) this.#fatal = { error };
      this.#stopped = true;
    } finally {
      this.#feeding = false;
      this.#leave();
    }
    this.#flush();
    this.#untrackIfIdle();
  }

  #deliver = (
    chunk: ScheduledChunk,
    values: unknown[],
    errors?: ReadonlyMap<number, unknown>,
  ): void => {
    const slot = this.#inFlight.get(chunk);
    if (!slot) return;
    this.#inFlight.delete(chunk);
    slot.values = values;
    slot.errors = errors;
    if (!this.#ended) {
      if (!this.#call.ordered) this.#ready.push(slot);
      else {
        this.#early.set(slot.seq, slot);
        for (let next; (next = this.#early.get(this.#nextSeq));) {
          this.#early.delete(this.#nextSeq++);
          this.#ready.push(next);
        }
      }
      this.#flush();
    }
    this.#untrackIfIdle();
  };

  // Takes the next deliverable outcome, or undefined when none is ready yet.
  #take(): Taken | undefined {
    if (this.#ended) return { ok: true, result: DONE };
    if (this.#fatal) {
      const { error } = this.#fatal;
      this.#end();
      return { ok: false, error };
    }
    const slot = this.#ready[0];
    if (slot) {
      const i = slot.pos++;
      if (slot.pos === slot.chunk.items.length) {
        this.#ready.shift();
        this.#outstanding--;
      }
      if (slot.errors?.has(i)) return { ok: false, error: slot.errors.get(i) };
      return { ok: true, result: { done: false, value: slot.values![i] } };
    }
    if (this.#inputDone && this.#outstanding === 0) {
      const failure = this.#inputError;
      this.#end();
      return failure
        ? { ok: false, error: failure.error }
        : { ok: true, result: DONE };
    }
    return undefined;
  }

  #flush(): void {
    let took = false;
    while (this.#waiters.length > 0) {
      const taken = this.#take();
      if (!taken) break;
      took = true;
      const waiter = this.#waiters.shift()!;
      waiter.timer?.clear();
      if (taken.ok) waiter.resolve(taken.result);
      else waiter.reject(taken.error);
    }
    if (took) this.#feed();
  }

  #end(): void {
    this.#leave();
    this.#ended = true;
    this.#stopped = true;
    this.#fatal = undefined;
    this.#ready = [];
    this.#early.clear();
    this.#closeSource();
  }

  #closeSource(): void {
    const source = this.#source;
    this.#source = undefined;
    if (source && !this.#inputDone) closeIterator(source);
  }

  #untrackIfIdle(): void {
    if (
      !this.#tracked || this.#feeding || this.#inFlight.size > 0 ||
      !(this.#inputDone || this.#stopped)
    ) return;
    this.#tracked = false;
    if (this.#onAbort) {
      this.#call.signal!.removeEventListener("abort", this.#onAbort);
    }
    this.#scheduler.untrack(this);
  }
}
