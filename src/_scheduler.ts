// The runtime-agnostic heart of both pools: lifecycle, the FIFO chunk queue,
// and which calls (jobs) are still in flight. Where a chunk runs is the
// executor's business (src/_executor.ts).
import type {
  Chunk,
  Executor,
  ExecutorConfig,
  ExecutorFactory,
  TaskHooks,
  Transfer,
} from "./_executor.ts";
import type { PoolStats } from "./types.ts";
import {
  BrokenPoolError,
  PoolClosedError,
  PoolTerminatedError,
} from "./errors.ts";
import type { PoolState } from "./types.ts";

/** A call in flight, as the scheduler sees it. */
export interface Job {
  /** Stop the call with `reason`: settle what it promised, drop its chunks. */
  cancel(reason: unknown): void;
  /** The pool is being joined: submit all input still unread. */
  drain(): void;
}

/** Receives a chunk's outcome. */
export type Deliver = (
  chunk: ScheduledChunk,
  values: unknown[],
  errors?: ReadonlyMap<number, unknown>,
) => void;

const QUEUED = 0;
const RUNNING = 1;
const DONE = 2;

/** A chunk in the queue or running; settles once. */
export class ScheduledChunk<P = unknown> implements Chunk<P> {
  readonly task: P;
  readonly items: readonly unknown[];
  readonly star: boolean;
  readonly transfer?: Transfer;
  /** Where in the job's input the first item stands. */
  readonly start: number;
  /** The call's `timeout` and `onProgress`; set by the job before the chunk runs. */
  hooks?: TaskHooks;
  state: number = QUEUED;
  #scheduler: Scheduler;
  #deliver: Deliver;

  constructor(
    scheduler: Scheduler,
    task: P,
    items: readonly unknown[],
    star: boolean,
    start: number,
    deliver: Deliver,
    transfer?: Transfer,
  ) {
    this.#scheduler = scheduler;
    this.task = task;
    this.items = items;
    this.star = star;
    this.start = start;
    this.#deliver = deliver;
    if (transfer) this.transfer = transfer;
  }

  /** The call the chunk belongs to (its receiver of outcomes is the call's own). */
  get call(): unknown {
    return this.#deliver;
  }

  settle(values: unknown[], errors?: ReadonlyMap<number, unknown>): void {
    if (this.state !== RUNNING) return;
    this.state = DONE;
    this.#scheduler.finished(this, errors?.size ?? 0);
    this.#deliver(this as ScheduledChunk, values, errors);
    this.#scheduler.pump();
  }

  fail(error: unknown): void {
    const errors = new Map<number, unknown>();
    for (let i = 0; i < this.items.length; i++) errors.set(i, error);
    this.settle(new Array(this.items.length), errors);
  }
}

/**
 * A place in the queue that a call takes when it is made, before its chunks
 * exist (its task is still being resolved): chunks submitted into it start
 * before anything queued after it, and nothing queued after it starts while
 * it is open and empty. So chunks start in call order, whatever the method.
 */
export class Place {
  chunks: (ScheduledChunk | undefined)[] = [];
  head = 0;
  open = true;
}

/** Queue, lifecycle and job tracking shared by `ThreadPool` and `Pool`. */
export class Scheduler {
  readonly executor: Executor;
  #processes: number;
  state: PoolState = "running";
  #queue: (ScheduledChunk | Place | undefined)[] = [];
  #head = 0;
  #running = new Set<ScheduledChunk>();
  #jobs = new Set<Job>();
  #broken: BrokenPoolError | undefined;
  #pumping = false;
  #again = false;
  #idle: (() => void)[] = [];
  #ended: Promise<void> | undefined;
  #queued = 0;
  #completed = 0;
  #failed = 0;

  constructor(config: ExecutorConfig, makeExecutor: ExecutorFactory) {
    this.#processes = config.processes;
    this.executor = makeExecutor({
      pump: () => this.pump(),
      broken: (cause, why) => this.#break(cause, why),
    }, config);
  }

  /** How many chunks run at once: the executor's count where it has one. */
  get processes(): number {
    return this.executor.processes ?? this.#processes;
  }

  /** Throws `PoolClosedError` unless the pool takes new calls. */
  assertRunning(): void {
    if (this.state !== "running") throw new PoolClosedError("Pool not running");
  }

  /** Registers a call; a broken pool cancels it, after the call has returned. */
  track(job: Job): void {
    this.#jobs.add(job);
    const broken = this.#broken;
    if (broken) queueMicrotask(() => job.cancel(broken));
  }

  /** A call has finished all its work. */
  untrack(job: Job): void {
    if (this.#jobs.delete(job) && this.#jobs.size === 0) this.#wakeIdle();
  }

  /** Takes a place at the back of the queue for chunks to come. */
  reserve(): Place {
    const place = new Place();
    this.#queue.push(place);
    return place;
  }

  /** Gives up a place: what was submitted into it stays, later chunks go to the back. */
  release(place: Place): void {
    if (!place.open) return;
    place.open = false;
    this.pump();
  }

  /**
   * Makes a chunk and queues it, into `place` while that is open; call
   * `pump()` once the call has queued all it has.
   */
  submit<P>(
    task: P,
    items: readonly unknown[],
    star: boolean,
    start: number,
    deliver: Deliver,
    transfer?: Transfer,
    place?: Place,
  ): ScheduledChunk<P> {
    const chunk = new ScheduledChunk(
      this,
      task,
      items,
      star,
      start,
      deliver,
      transfer,
    );
    if (place?.open) place.chunks.push(chunk as ScheduledChunk);
    else this.#queue.push(chunk as ScheduledChunk);
    this.#queued++;
    return chunk;
  }

  // The next queued chunk, or undefined: the queue is empty, or waits on an open place.
  #next(): ScheduledChunk | undefined {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const entry = queue[this.#head]!;
      if (!(entry instanceof Place)) {
        queue[this.#head++] = undefined;
        return entry;
      }
      if (entry.head < entry.chunks.length) {
        const chunk = entry.chunks[entry.head]!;
        entry.chunks[entry.head++] = undefined;
        return chunk;
      }
      if (entry.open) return undefined;
      queue[this.#head++] = undefined;
    }
    return undefined;
  }

  /** Hands queued chunks to the executor while it has room. */
  pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (
          this.state !== "terminated" && this.#broken === undefined &&
          this.executor.hasCapacity()
        ) {
          const chunk = this.#next();
          if (chunk === undefined) break;
          if (chunk.state !== QUEUED) continue;
          this.#queued--;
          chunk.state = RUNNING;
          this.#running.add(chunk);
          try {
            this.executor.run(chunk);
          } catch (error) {
            chunk.fail(error);
          }
        }
        const queue = this.#queue;
        if (this.#head === queue.length) {
          this.#queue = [];
          this.#head = 0;
        } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
          this.#queue = queue.slice(this.#head);
          this.#head = 0;
        }
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  /** Called by a chunk as it settles, with how many of its items failed. */
  finished(chunk: ScheduledChunk, failed = 0): void {
    this.#running.delete(chunk);
    this.#completed += chunk.items.length - failed;
    this.#failed += failed;
  }

  /** A snapshot of the work: a few counters, cheap to call in a loop. */
  stats(): PoolStats {
    const running = this.#running.size;
    const workers = this.executor.workers?.() ??
      { workers: this.processes, busy: Math.min(running, this.processes) };
    return {
      workers: workers.workers,
      busy: workers.busy,
      queuedChunks: this.#queued,
      runningChunks: running,
      completedTasks: this.#completed,
      failedTasks: this.#failed,
    };
  }

  // Drops a chunk still in the queue; returns whether it was there.
  #unqueue(chunk: ScheduledChunk): boolean {
    if (chunk.state !== QUEUED) return false;
    chunk.state = DONE;
    this.#queued--;
    return true;
  }

  /** Drops a chunk that has not started, even one the executor holds. */
  withdraw(chunk: ScheduledChunk): boolean {
    if (this.#unqueue(chunk)) return true;
    if (chunk.state !== RUNNING || !this.executor.withdraw?.(chunk)) {
      return false;
    }
    chunk.state = DONE;
    this.#running.delete(chunk);
    return true;
  }

  /**
   * Drops a call's chunks, queued or running; running ones are stopped. The
   * queued go first, so a place freed by a stopped chunk never starts another
   * of the same call.
   */
  cancel(chunks: Iterable<ScheduledChunk>, reason?: unknown): void {
    const running: ScheduledChunk[] = [];
    for (const chunk of chunks) {
      if (!this.#unqueue(chunk) && chunk.state === RUNNING) running.push(chunk);
    }
    for (const chunk of running) {
      chunk.state = DONE;
      this.#running.delete(chunk);
      this.executor.cancel(chunk, reason);
    }
  }

  /** Stops taking calls; what was submitted still runs. */
  close(): void {
    if (this.state === "running") this.state = "closed";
  }

  /** Waits for every call to finish, then releases the workers. */
  join(): Promise<void> {
    if (this.state === "running") {
      throw new PoolClosedError("Pool is still running");
    }
    if (this.#ended) return this.#ended;
    for (const job of [...this.#jobs]) job.drain();
    this.#ended = new Promise<void>((resolve) => {
      if (this.#jobs.size === 0) resolve();
      else this.#idle.push(resolve);
    }).then(() =>
      this.state === "terminated" ? undefined : this.executor.shutdown()
    );
    return this.#ended;
  }

  /** Stops everything now: every pending call fails with `PoolTerminatedError`. */
  terminate(): Promise<void> {
    if (this.state === "terminated" && this.#ended) return this.#ended;
    this.state = "terminated";
    this.#cancelAll(new PoolTerminatedError("Pool was terminated"));
    const stopped = this.executor.terminate();
    this.#ended = stopped;
    this.#wakeIdle();
    return stopped;
  }

  #break(cause: unknown, why = "its initializer threw"): void {
    if (this.#broken || this.state === "terminated") return;
    this.#broken = new BrokenPoolError(`Pool is broken as ${why}`, { cause });
    this.#cancelAll(this.#broken);
  }

  // Marks every chunk done first, so the jobs' cancels do not ask the
  // executor to stop chunks one by one: it is stopping (or broken) as a whole.
  #cancelAll(reason: unknown): void {
    for (const entry of this.#queue) {
      if (entry instanceof Place) {
        for (const chunk of entry.chunks) if (chunk) chunk.state = DONE;
        entry.open = false;
      } else if (entry) entry.state = DONE;
    }
    this.#queued = 0;
    this.#queue = [];
    this.#head = 0;
    for (const chunk of this.#running) chunk.state = DONE;
    this.#running.clear();
    for (const job of [...this.#jobs]) job.cancel(reason);
  }

  #wakeIdle(): void {
    const idle = this.#idle;
    this.#idle = [];
    for (const wake of idle) wake();
  }
}
