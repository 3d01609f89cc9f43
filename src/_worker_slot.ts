// One Pool worker as the executor sees it: the chunks posted to it, how it
// says which chunk it has started (shared cells, or STARTED messages where
// there is no shared memory), how deep its pipeline may be, and the messages
// held back until it listens.
import type { Chunk } from "./_executor.ts";
import {
  bareable,
  cloneError,
  DEFINE,
  INIT,
  packNumbers,
  REPORT_PROGRESS,
  REPORT_STARTS,
  RESULT,
  RING,
  RUN,
  SEND_BARE,
  SKIP,
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

/** Called with a chunk none of whose items could be sent, and their errors; it is no longer posted. */
export type Unsent = (
  chunk: Chunk<Prepared>,
  errors: ReadonlyMap<number, unknown>,
) => void;

const ARGUMENTS = "the task's arguments to the worker";

/** The objects a chunk's `items` transfer. */
function transferOf(
  chunk: Chunk<Prepared>,
  items: readonly unknown[],
): object[] | undefined {
  const { transfer } = chunk;
  if (typeof transfer !== "function") return transfer;
  const list: object[] = [];
  for (const item of items) list.push(...transfer(item));
  return list;
}

/** `error` for each of `n` items, by index. */
export function everyItem(n: number, error: unknown): Map<number, unknown> {
  const errors = new Map<number, unknown>();
  for (let i = 0; i < n; i++) errors.set(i, error);
  return errors;
}

/** A chunk less its items that cannot be sent: where each kept item stands, and the others' errors. */
interface Split {
  items: unknown[];
  at: number[];
  errors: Map<number, unknown>;
}

// Finds the items that cannot be cloned, or whose transfer list throws;
// undefined when each item alone can be (the failure was the chunk's).
function splitUnclonable(
  chunk: Chunk<Prepared>,
  error: unknown,
): Split | undefined {
  const split: Split = { items: [], at: [], errors: new Map() };
  chunk.items.forEach((item, i) => {
    try {
      if (typeof chunk.transfer === "function") chunk.transfer(item);
      structuredClone(item);
      split.items.push(item);
      split.at.push(i);
    } catch (itemError) {
      split.errors.set(
        i,
        itemError instanceof Error && itemError.name !== "DataCloneError"
          ? itemError
          : cloneError(ARGUMENTS, itemError ?? error),
      );
    }
  });
  return split.errors.size > 0 ? split : undefined;
}

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
  /** A RESULT header waiting for its bare values. */
  #header: unknown[] | undefined;
  #sent = new Set<number>();
  #seq = 0;
  #depth = MIN_DEPTH;
  #cost = BUDGET_MS / MIN_DEPTH;
  #last = 0;
  #busy = false;
  #listening = false;
  #outbox: number[] = [];
  #referenced = true;
  #partial = new Map<number, Split>();
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

  /**
   * A worker's message as the executor reads it: a RESULT header whose
   * values are `null` waits for its values, the next message, bare (see
   * BARE_MIN); returns undefined meanwhile.
   */
  paired(message: unknown): unknown {
    const header = this.#header;
    if (header !== undefined) {
      this.#header = undefined;
      header[2] = message;
      return header;
    }
    if (
      (message as unknown[])[0] === RESULT && (message as unknown[])[2] === null
    ) {
      this.#header = message as unknown[];
      return undefined;
    }
    return message;
  }

  /** Whether another chunk may be posted now. */
  canTake(): boolean {
    const cells = this.cells;
    return this.inflight.size < this.#depth &&
      (cells === undefined || this.#seq - Atomics.load(cells, RING) < RING - 1);
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
  // message of its own before its first chunk (so a RUN the worker cannot
  // read never takes the task's definition with it). Items that cannot be cloned (or whose transfer list throws) fail alone:
  // the others go without them.
  #send(seq: number, chunk: Chunk<Prepared>): void {
    let items = chunk.items;
    try {
      return this.#post(seq, chunk, items);
    } catch (error) {
      const split = splitUnclonable(chunk, error);
      if (split === undefined || split.items.length === 0) {
        const cause = cloneError(ARGUMENTS, error);
        return this.#drop(
          seq,
          chunk,
          split?.errors ?? everyItem(chunk.items.length, cause),
        );
      }
      items = split.items;
      this.#partial.set(seq, split);
    }
    try {
      this.#post(seq, chunk, items);
    } catch (error) {
      this.#partial.delete(seq);
      this.#drop(
        seq,
        chunk,
        everyItem(chunk.items.length, cloneError(ARGUMENTS, error)),
      );
    }
  }

  #post(seq: number, chunk: Chunk<Prepared>, items: readonly unknown[]): void {
    const task = chunk.task;
    if (!this.#sent.has(task.id)) {
      this.handle.postMessage([DEFINE, task.id, task.ref]);
      this.#sent.add(task.id);
    }
    const flags = runFlags(chunk);
    const plain = !chunk.star && chunk.transfer === undefined;
    const packed = plain ? packNumbers(items) : undefined;
    if (packed !== undefined) {
      this.handle.postMessage(
        flags === 0
          ? [RUN, seq, task.id, false, packed]
          : [RUN, seq, task.id, false, packed, undefined, flags],
      );
      this.#unconfirmed.push(seq);
      return;
    }
    if (plain && SEND_BARE && bareable(items)) {
      // The items bare, right after their header (see BARE_MIN).
      this.handle.postMessage(
        flags === 0
          ? [RUN, seq, task.id, false, null]
          : [RUN, seq, task.id, false, null, undefined, flags],
      );
      this.handle.postMessage(items);
      this.#unconfirmed.push(seq);
      return;
    }
    this.handle.postMessage(
      flags === 0
        ? [RUN, seq, task.id, chunk.star, items]
        : [RUN, seq, task.id, chunk.star, items, undefined, flags],
      transferOf(chunk, items),
    );
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
    this.#partial.delete(seq);
    const cells = this.cells;
    if (cells) Atomics.compareExchange(cells, seq % RING, seq, 0);
    return chunk;
  }

  /** The oldest chunk posted and not answered: the one the worker answers next. */
  oldest(): number | undefined {
    for (const seq of this.inflight.keys()) return seq;
    return undefined;
  }

  // A chunk none of whose items could be sent is no longer posted.
  #drop(
    seq: number,
    chunk: Chunk<Prepared>,
    errors: ReadonlyMap<number, unknown>,
  ): void {
    const cells = this.cells;
    if (cells) Atomics.store(cells, seq % RING, 0);
    this.inflight.delete(seq);
    this.#unsent(chunk, errors);
  }

  /** How many of the chunk posted under `seq` went to the worker. */
  sentItems(seq: number, chunk: Chunk<Prepared>): number {
    return this.#partial.get(seq)?.at.length ?? chunk.items.length;
  }

  /**
   * A reply's values and errors by the chunk's own item indexes: the items
   * that could not be sent failed alone with their clone errors.
   */
  restore(
    seq: number,
    values: unknown[],
    errors: ReadonlyMap<number, unknown> | undefined,
  ): [unknown[], ReadonlyMap<number, unknown> | undefined] {
    const split = this.#partial.get(seq);
    if (split === undefined) return [values, errors];
    this.#partial.delete(seq);
    const all = new Array(split.at.length + split.errors.size);
    const failed = new Map(split.errors);
    split.at.forEach((at, i) => {
      all[at] = values[i];
      if (errors?.has(i)) failed.set(at, errors.get(i));
    });
    return [all, failed];
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
    this.#partial.delete(seq);
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
