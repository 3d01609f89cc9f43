// One Pool worker as the executor sees it: the chunks posted to it, how it
// says which chunk it has started (shared cells, or STARTED messages where
// there is no shared memory), what another worker may take from it, and the
// messages held back until it listens. How deep its pipeline may be is
// src/_pipeline.ts.
import type { Chunk } from "./_executor.ts";
import {
  bareable,
  CELLS,
  CLAIM_ITEMS,
  cloneError,
  cursorCell,
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
import { Pipeline } from "./_pipeline.ts";
import {
  ARGUMENTS,
  everyItem,
  type Sendable,
  splitUnclonable,
  transferOf,
} from "./_unclonable.ts";

export { everyItem };

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
  #pipeline: Pipeline;
  #listening = false;
  #outbox: number[] = [];
  #referenced = true;
  #partial = new Map<number, Sendable>();
  /** Without shared memory: the last seq the worker said it started. */
  #reached = 0;
  /** Without shared memory: chunks asked to be skipped; true if aborted (stop the worker if it started). */
  #skipped = new Map<number, boolean>();
  /** Seqs of RUN messages sent and not yet known to be received, in order. */
  #unconfirmed: number[] = [];

  /** Post chunks so that their items can be claimed (item-level stealing). */
  #claims: boolean;
  /** Seqs posted with CLAIM_ITEMS and not yet answered. */
  #claiming = new Set<number>();
  /** Without shared memory: seqs the worker is asked to give back, to run elsewhere. */
  #reclaiming = new Set<number>();

  /**
   * `sharedMemory`: claim chunks in shared cells (else by messages);
   * `claims`: let other workers take the unclaimed items of a running chunk.
   */
  constructor(
    handle: WorkerHandle,
    unsent: Unsent,
    sharedMemory: boolean,
    claims = false,
  ) {
    this.handle = handle;
    this.#unsent = unsent;
    this.cells = sharedMemory
      ? new Int32Array(new SharedArrayBuffer(4 * CELLS))
      : undefined;
    this.#claims = claims && sharedMemory;
    this.#pipeline = new Pipeline(sharedMemory);
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
    return this.inflight.size < this.#pipeline.depth &&
      (cells === undefined || this.#seq - Atomics.load(cells, RING) < RING - 1);
  }

  /** Posts a chunk (held back until the worker listens); keeps the process alive meanwhile. */
  post(chunk: Chunk<Prepared>): void {
    const seq = ++this.#seq;
    const cells = this.cells;
    if (cells) Atomics.store(cells, seq % RING, seq);
    this.#pipeline.posted(chunk.call);
    this.inflight.set(seq, chunk);
    this.chunks++;
    if (this.#listening) this.#send(seq, chunk);
    else this.#outbox.push(seq);
    this.hold();
  }

  /** Keeps the process alive for this worker (it has work, or work waits for it to start). */
  hold(): void {
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
    let flags = runFlags(chunk);
    const claims = this.#claims && items === chunk.items && items.length > 1 &&
      chunk.transfer === undefined;
    if (claims) {
      flags |= CLAIM_ITEMS;
      Atomics.store(this.cells!, cursorCell(seq), 0);
    }
    // Numbers go packed (see packNumbers); on Bun other primitives go bare,
    // right after their header (see BARE_MIN).
    const plain = !chunk.star && chunk.transfer === undefined;
    const packed = plain ? packNumbers(items) : undefined;
    const bare = packed === undefined && plain && SEND_BARE && bareable(items);
    const sent = packed ?? (bare ? null : items);
    this.handle.postMessage(
      flags === 0
        ? [RUN, seq, task.id, chunk.star, sent]
        : [RUN, seq, task.id, chunk.star, sent, undefined, flags],
      plain ? undefined : transferOf(chunk, items),
    );
    if (bare) this.handle.postMessage(items);
    if (claims) this.#claiming.add(seq);
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
    this.#claiming.delete(seq);
    const chunk = this.inflight.get(seq);
    if (chunk === undefined) return undefined;
    this.inflight.delete(seq);
    this.#pipeline.answered(this.inflight.size);
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
    this.#claiming.delete(seq);
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
    for (const asked of this.#reclaiming) {
      if (asked <= seq) this.#reclaiming.delete(asked);
    }
    return aborted === true;
  }

  /**
   * For work stealing: the newest chunk posted here that waits behind
   * another (or any, while the worker boots), or 0. A chunk that transferred
   * objects to the worker stays.
   */
  spare(): number {
    // Without shared memory, one chunk asked back at a time.
    if (this.#reclaiming.size > 0) return 0;
    let waiting = 0;
    let newest = 0;
    let running = false;
    for (const [seq, chunk] of this.inflight) {
      if (this.started(seq)) running = true;
      // What it transferred is gone from here: it can run nowhere else.
      else if (chunk.transfer !== undefined && this.#listening) continue;
      else {
        waiting++;
        newest = seq;
      }
    }
    return waiting > 1 || (waiting === 1 && (running || !this.ready))
      ? newest
      : 0;
  }

  /**
   * Takes back chunk `seq`, which the worker has not started, to run it
   * elsewhere: the chunk, or undefined if that is not certain yet. Without
   * shared memory the worker is asked to skip it, and `skipped(seq)` hands
   * it over if it did.
   */
  giveBack(seq: number): Chunk<Prepared> | undefined {
    const chunk = this.inflight.get(seq);
    if (chunk === undefined) return undefined;
    if (this.cells || !this.#listening) {
      if (!this.takeBack(seq)) return undefined;
      this.chunks--;
      return chunk;
    }
    this.#reclaiming.add(seq);
    this.handle.postMessage([SKIP, seq]);
    return undefined;
  }

  /**
   * Without shared memory: the worker skipped `seq` and will never run it.
   * Returns the chunk if `giveBack` asked for it (it is no longer posted here).
   */
  skipped(seq: number): Chunk<Prepared> | undefined {
    this.#confirm(seq);
    if (!this.#reclaiming.delete(seq)) return undefined;
    const chunk = this.inflight.get(seq);
    if (chunk === undefined) return undefined;
    this.inflight.delete(seq);
    this.#partial.delete(seq);
    this.chunks--;
    return chunk;
  }

  /**
   * For item-level stealing: the chunk running here with items not yet
   * claimed, as its seq and how many are left, or undefined.
   */
  unclaimed(): { seq: number; left: number } | undefined {
    const cells = this.cells;
    if (cells === undefined) return undefined;
    for (const seq of this.#claiming) {
      if (!this.started(seq)) continue;
      const left = this.inflight.get(seq)!.items.length -
        Atomics.load(cells, cursorCell(seq));
      if (left > 0) return { seq, left };
    }
    return undefined;
  }

  /**
   * Claims half of the unclaimed items of the running chunk `seq` (at least
   * one) for another worker: their indexes, `[start, end)`, or undefined.
   */
  claimHalf(seq: number): [number, number] | undefined {
    const length = this.inflight.get(seq)?.items.length ?? 0;
    const at = cursorCell(seq);
    const left = length - Atomics.load(this.cells!, at);
    if (left <= 0) return undefined;
    const share = Math.ceil(left / 2);
    const start = Atomics.add(this.cells!, at, share);
    const end = Math.min(start + share, length);
    return start < end ? [start, end] : undefined;
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
