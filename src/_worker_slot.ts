// One Pool worker as the executor sees it: the chunks posted to it, how it
// says which chunk it has started (shared cells, or STARTED messages where
// there is no shared memory), how deep its pipeline may be, and the messages
// held back until it listens.
import type { Chunk } from "./_executor.ts";
import { DEFINE, INIT, RING, RUN, SKIP } from "./_protocol.ts";
import type { Prepared } from "./_task_ref.ts";
import type { WorkerHandle } from "./worker_adapter.ts";

/** Chunks posted to a worker and not yet answered: at least this many... */
const MIN_DEPTH = 2;
/** ...and more while chunks are quick, up to this many... */
const MAX_DEPTH = 64;
/** ...so that about this many milliseconds of work wait in a worker's line. */
const BUDGET_MS = 2;

/** Called with a chunk whose arguments could not be sent; it is no longer posted. */
export type Unsent = (chunk: Chunk<Prepared>, error: unknown) => void;

/** A worker, its posted chunks and its pipeline. */
export class WorkerSlot {
  readonly handle: WorkerHandle;
  /**
   * With shared memory: cell `seq % RING` holds `seq` once posted, `-seq`
   * once started, `0` if taken back; cell `RING` the last seq reached.
   * Without: undefined, and the worker reports STARTED.
   */
  readonly cells: Int32Array | undefined;
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
  error?: {
    error: unknown;
    timer: ReturnType<typeof setTimeout> | undefined;
  };
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
  /** Without shared memory: the last seq the worker said it started. */
  #reached = 0;
  /** Without shared memory: chunks asked to be skipped; true if aborted (stop the worker if it started). */
  #skipped = new Map<number, boolean>();
  /** Seqs of RUN messages sent and not yet known to be received, in order. */
  #unconfirmed: number[] = [];

  constructor(handle: WorkerHandle, unsent: Unsent, sharedMemory: boolean) {
    this.handle = handle;
    this.#unsent = unsent;
    this.cells = sharedMemory
      ? new Int32Array(new SharedArrayBuffer(4 * (RING + 1)))
      : undefined;
  }

  /** Whether another chunk may be posted now. */
  canTake(): boolean {
    return this.inflight.size < this.#depth &&
      (this.cells === undefined ||
        this.#seq - Atomics.load(this.cells as Int32Array, RING) < RING - 1);
  }

  /** Posts a chunk (held back until the worker listens); keeps the process alive meanwhile. */
  post(chunk: Chunk<Prepared>): void {
    const seq = ++this.#seq;
    const cells = this.cells;
    if (cells) Atomics.store(cells, seq % RING, seq);
    this.inflight.set(seq, chunk);
    this.chunks++;
    if (this.#listening) this.#send(seq, chunk);
    else this.#outbox.push(seq);
    if (!this.#referenced) {
      this.#referenced = true;
      this.handle.ref();
    }
  }

  // Sends a posted chunk; the task's reference goes once per worker, in a
  // message of its own before the first chunk.
  #send(seq: number, chunk: Chunk<Prepared>): void {
    const task = chunk.task;
    if (!this.#sent.has(task.id)) {
      this.handle.postMessage([DEFINE, task.id, task.ref]);
      this.#sent.add(task.id);
    }
    try {
      this.handle.postMessage(
        [RUN, seq, task.id, chunk.star, chunk.items],
        chunk.transfer as object[],
      );
    } catch (error) {
      const cells = this.cells;
      if (cells) Atomics.store(cells, seq % RING, 0);
      this.inflight.delete(seq);
      return this.#unsent(chunk, error);
    }
    this.#unconfirmed.push(seq);
  }

  // The worker has received every RUN up to `seq`.
  #confirm(seq: number): void {
    let n = 0;
    while (n < this.#unconfirmed.length && this.#unconfirmed[n] <= seq) n++;
    if (n > 0) this.#unconfirmed.splice(0, n);
  }

  /**
   * The worker could not read a message: the first RUN sent after `last`,
   * the last seq it did read. Returns that chunk (taken off), if still posted.
   */
  unreadable(last: number): Chunk<Prepared> | undefined {
    this.#confirm(last);
    const seq = this.#unconfirmed.shift();
    if (seq === undefined) return undefined;
    const chunk = this.inflight.get(seq);
    this.inflight.delete(seq);
    const cells = this.cells;
    if (cells) Atomics.compareExchange(cells, seq % RING, seq, 0);
    return chunk;
  }

  /** The oldest chunk posted and not answered: the one the worker answers next. */
  oldest(): number | undefined {
    for (const seq of this.inflight.keys()) return seq;
    return undefined;
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
    this.#confirm(seq);
    this.#skipped.delete(seq);
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

  /**
   * Takes a posted chunk back if the worker has not started it (it will skip
   * it). With shared memory this is certain. Without, it is as far as the
   * worker has told: the worker is asked to skip it, and should it have
   * started it already, its STARTED arrives later (see `onStarted`); `abort`
   * says to stop the worker then.
   */
  takeBack(seq: number, abort = false): boolean {
    const cells = this.cells;
    if (cells) {
      if (Atomics.compareExchange(cells, seq % RING, seq, 0) !== seq) {
        return false;
      }
    } else {
      if (seq <= this.#reached) return false;
      if (this.#listening) {
        this.#skipped.set(seq, abort);
        this.handle.postMessage([SKIP, seq]);
      } else this.#outbox = this.#outbox.filter((held) => held !== seq);
    }
    this.inflight.delete(seq);
    return true;
  }

  /**
   * Without shared memory: the worker started `seq`. Returns true if it was
   * taken back by an abort meanwhile, so the worker must be stopped.
   */
  onStarted(seq: number): boolean {
    this.#reached = seq;
    this.#confirm(seq);
    const aborted = this.#skipped.get(seq);
    for (const skipped of this.#skipped.keys()) {
      if (skipped <= seq) this.#skipped.delete(skipped);
    }
    return aborted === true;
  }

  /** Whether the worker has started the chunk posted under `seq`. */
  started(seq: number): boolean {
    const cells = this.cells;
    if (!cells) return seq <= this.#reached;
    return Atomics.load(cells, seq % RING) === -seq;
  }

  /** Whether the worker has gone past the chunk posted under `seq`. */
  passed(seq: number): boolean {
    const cells = this.cells;
    if (!cells) return this.#reached > seq;
    return Atomics.load(cells, RING) > seq;
  }

  /** Lets the process exit while this worker has nothing to do. */
  idle(): void {
    if (this.#referenced) {
      this.#referenced = false;
      this.handle.unref();
    }
  }
}
