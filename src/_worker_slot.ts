// One Pool worker as the executor sees it: the chunks posted to it, the
// shared cells through which it says which chunk it has started, how deep
// its pipeline may be, and the messages held back until it listens.
import type { Chunk } from "./_executor.ts";
import {
  INIT,
  REPORT_PROGRESS,
  REPORT_STARTS,
  RING,
  RUN,
} from "./_protocol.ts";
import type { Prepared } from "./_task_ref.ts";
import type { WorkerHandle } from "./worker_adapter.ts";

/** Chunks posted to a worker and not yet answered: at least this many... */
const MIN_DEPTH = 2;
/** ...and more while chunks are quick, up to this many... */
const MAX_DEPTH = 64;
/** ...so that about this many milliseconds of work wait in a worker's line. */
const BUDGET_MS = 2;

// What the worker reports of a chunk beyond its result: item starts for a
// timeout, progress for an onProgress.
function runFlags(chunk: Chunk<Prepared>): number {
  const hooks = chunk.hooks;
  if (hooks === undefined) return 0;
  return (hooks.timeout !== undefined && hooks.timeout !== Infinity
    ? REPORT_STARTS
    : 0) | (hooks.progress ? REPORT_PROGRESS : 0);
}

/** Called with a chunk whose arguments could not be sent; it is no longer posted. */
export type Unsent = (chunk: Chunk<Prepared>, error: unknown) => void;

/** A worker, its posted chunks and its pipeline. */
export class WorkerSlot {
  readonly handle: WorkerHandle;
  /** Cell `seq % RING`: `seq` once posted, `-seq` once started, `0` if taken back; cell `RING`: the last seq reached. */
  readonly cells: Int32Array = new Int32Array(
    new SharedArrayBuffer(4 * (RING + 1)),
  );
  /** Posted chunks by seq, in posting order (the worker runs them in it). */
  readonly inflight: Map<number, Chunk<Prepared>> = new Map();
  /** Chunks posted over its life, for maxTasksPerChild. */
  chunks = 0;
  /** The module is loaded and the initializer has run. */
  ready = false;
  /** Takes new chunks (false once maxTasksPerChild is reached). */
  live = true;
  /** Ended, or being stopped: its events mean nothing any more. */
  dead = false;
  /** The error the worker reported as it crashed; its exit comes next. */
  error?: { error: unknown; timer: ReturnType<typeof setTimeout> };
  #unsent: Unsent;
  #sent = new Set<number>();
  #seq = 0;
  #depth = MIN_DEPTH;
  #cost = BUDGET_MS / MIN_DEPTH;
  #last = 0;
  #busy = false;
  #listening = false;
  #outbox: number[] = [];
  #referenced = true;

  constructor(handle: WorkerHandle, unsent: Unsent) {
    this.handle = handle;
    this.#unsent = unsent;
  }

  /** Whether another chunk may be posted now. */
  canTake(): boolean {
    return this.inflight.size < this.#depth &&
      this.#seq - Atomics.load(this.cells, RING) < RING - 1;
  }

  /** Posts a chunk (held back until the worker listens); keeps the process alive meanwhile. */
  post(chunk: Chunk<Prepared>): void {
    const seq = ++this.#seq;
    Atomics.store(this.cells, seq % RING, seq);
    this.inflight.set(seq, chunk);
    this.chunks++;
    if (this.#listening) this.#send(seq, chunk);
    else this.#outbox.push(seq);
    if (!this.#referenced) {
      this.#referenced = true;
      this.handle.ref();
    }
  }

  // Sends a posted chunk; the task's reference goes with its first chunk.
  #send(seq: number, chunk: Chunk<Prepared>): void {
    const task = chunk.task;
    const first = !this.#sent.has(task.id);
    const message: unknown[] = first
      ? [RUN, seq, task.id, chunk.star, chunk.items, task.ref]
      : [RUN, seq, task.id, chunk.star, chunk.items];
    const flags = runFlags(chunk);
    if (flags !== 0) message[6] = flags;
    try {
      this.handle.postMessage(message, chunk.transfer);
    } catch (error) {
      Atomics.store(this.cells, seq % RING, 0);
      this.inflight.delete(seq);
      return this.#unsent(chunk, error);
    }
    if (first) this.#sent.add(task.id);
  }

  /**
   * The worker listens (Deno drops what reaches a worker before): send it
   * `init` (the INIT message without its type), then the chunks posted meanwhile.
   */
  listening(init: unknown[]): void {
    this.#listening = true;
    this.handle.postMessage([INIT, ...init, this.cells]);
    for (const seq of this.#outbox) {
      const chunk = this.inflight.get(seq);
      if (chunk !== undefined) this.#send(seq, chunk);
    }
    this.#outbox = [];
  }

  /** Takes the chunk a reply is for, and learns from the reply's timing. */
  answered(seq: number): Chunk<Prepared> | undefined {
    const chunk = this.inflight.get(seq);
    if (chunk === undefined) return undefined;
    this.inflight.delete(seq);
    // Between two replies of a worker that had its next chunk queued lies
    // the time of one chunk: keep BUDGET_MS of such chunks in flight.
    const now = performance.now();
    if (this.#busy) {
      this.#cost = this.#cost * 0.75 + (now - this.#last) * 0.25;
      this.#depth = Math.max(
        MIN_DEPTH,
        Math.min(MAX_DEPTH, Math.floor(BUDGET_MS / this.#cost)),
      );
    }
    this.#last = now;
    this.#busy = this.inflight.size > 0;
    return chunk;
  }

  /** The seq a posted chunk went under, or 0. */
  seqOf(chunk: Chunk<Prepared>): number {
    for (const [seq, posted] of this.inflight) if (posted === chunk) return seq;
    return 0;
  }

  /** Takes a posted chunk back if the worker has not started it (it will skip it). */
  takeBack(seq: number): boolean {
    if (Atomics.compareExchange(this.cells, seq % RING, seq, 0) !== seq) {
      return false;
    }
    this.inflight.delete(seq);
    return true;
  }

  /** Whether the worker has started the chunk posted under `seq`. */
  started(seq: number): boolean {
    return Atomics.load(this.cells, seq % RING) === -seq;
  }

  /** Whether the worker has gone past the chunk posted under `seq`. */
  passed(seq: number): boolean {
    return Atomics.load(this.cells, RING) > seq;
  }

  /** Lets the process exit while this worker has nothing to do. */
  idle(): void {
    if (this.#referenced) {
      this.#referenced = false;
      this.handle.unref();
    }
  }
}
