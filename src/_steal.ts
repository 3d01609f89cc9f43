// Work stealing: an idle worker takes work another holds and has not
// started, a whole chunk waiting in its pipeline or, with shared memory, the
// unclaimed items of the chunk it runs (a part). A chunk run in parts settles
// once every part has.
import type { Chunk, TaskHooks, Transfer } from "./_executor.ts";
import type { Prepared } from "./_task_ref.ts";
import { everyItem } from "./_unclonable.ts";
import type { WorkerSlot } from "./_worker_slot.ts";

/** Items `[start, end)` of a running chunk, run by another worker: a chunk of their own. */
export class Part implements Chunk<Prepared> {
  readonly task: Prepared;
  readonly items: readonly unknown[];
  readonly star: boolean;
  readonly transfer?: Transfer;
  readonly hooks?: TaskHooks;
  readonly call?: unknown;
  /** Where in the whole chunk the first item stands. */
  readonly start: number;
  #outcomes: Outcomes;
  #settled = false;

  constructor(
    whole: Chunk<Prepared>,
    start: number,
    end: number,
    outcomes: Outcomes,
  ) {
    this.task = whole.task;
    this.items = whole.items.slice(start, end);
    this.star = whole.star;
    if (whole.hooks) this.hooks = whole.hooks;
    this.call = whole.call;
    this.start = start;
    this.#outcomes = outcomes;
  }

  /** Whether the part has settled. */
  get settled(): boolean {
    return this.#settled;
  }

  settle(values: unknown[], errors?: ReadonlyMap<number, unknown>): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#outcomes.add(this, values, errors);
  }

  fail(error: unknown): void {
    this.settle(
      new Array(this.items.length),
      everyItem(this.items.length, error),
    );
  }
}

/**
 * The outcome of a chunk whose items run in parts: its own worker's reply
 * (holes where items were taken) and each part's, settled as one when all
 * are in.
 */
export class Outcomes {
  /** The parts taken from the chunk, by other workers. */
  readonly parts: Set<Part> = new Set();
  #whole: Chunk<Prepared>;
  #values: unknown[];
  #errors = new Map<number, unknown>();
  #taken: [number, number][] = [];
  /** Replies still to come: the chunk's own, and each part's. */
  #pending = 1;
  #done: () => void;

  /** `done` runs once all are in, before the whole chunk settles. */
  constructor(whole: Chunk<Prepared>, done: () => void) {
    this.#whole = whole;
    this.#values = new Array(whole.items.length);
    this.#done = done;
  }

  /** Items `[start, end)` were claimed for another worker: their part. */
  take(start: number, end: number): Part {
    const part = new Part(this.#whole, start, end, this);
    this.#taken.push([start, end]);
    this.parts.add(part);
    this.#pending++;
    return part;
  }

  /** The chunk's own reply: the items that were taken are not in it. */
  own(values: unknown[], errors?: ReadonlyMap<number, unknown>): void {
    const taken = this.#taken.sort((a, b) => a[0] - b[0]);
    let from = 0;
    for (const [start, end] of [...taken, [values.length, values.length]]) {
      for (let i = from; i < start; i++) {
        this.#values[i] = values[i];
        if (errors?.has(i)) this.#errors.set(i, errors.get(i));
      }
      from = end;
    }
    this.#arrived();
  }

  /** A part's reply. */
  add(
    part: Part,
    values: unknown[],
    errors?: ReadonlyMap<number, unknown>,
  ): void {
    this.parts.delete(part);
    for (let i = 0; i < values.length; i++) {
      this.#values[part.start + i] = values[i];
    }
    for (const [i, error] of errors ?? []) {
      this.#errors.set(part.start + i, error);
    }
    this.#arrived();
  }

  #arrived(): void {
    if (--this.#pending > 0) return;
    this.#done();
    this.#whole.settle(
      this.#values,
      this.#errors.size > 0 ? this.#errors : undefined,
    );
  }
}

/** What an idle worker can take from the others. */
export type Loot =
  /** A whole chunk, taken back from the worker that held it: run it anywhere. */
  | { chunk: Chunk<Prepared>; from: WorkerSlot }
  /** Items `range` of chunk `seq`, running at `from`, claimed for the thief. */
  | { from: WorkerSlot; seq: number; range: [number, number] }
  /** A worker without shared memory was asked to give a chunk back. */
  | { asked: true };

/**
 * Finds work for `thief` among `slots`: the newest spare chunk of the worker
 * holding the most, else half the unclaimed items of the running chunk
 * with the most left. Undefined when there is none.
 */
export function findLoot(
  thief: WorkerSlot,
  slots: readonly WorkerSlot[],
): Loot | undefined {
  let victim: WorkerSlot | undefined;
  let seq = 0;
  for (const slot of slots) {
    if (slot === thief || slot.dead) continue;
    const spare = slot.spare();
    if (
      spare !== 0 &&
      (victim === undefined || slot.inflight.size > victim.inflight.size)
    ) {
      victim = slot;
      seq = spare;
    }
  }
  if (victim !== undefined) {
    const chunk = victim.giveBack(seq);
    return chunk === undefined ? { asked: true } : { chunk, from: victim };
  }
  let most = 0;
  for (const slot of slots) {
    if (slot === thief || slot.dead) continue;
    const running = slot.unclaimed();
    if (running !== undefined && running.left > most) {
      most = running.left;
      victim = slot;
      seq = running.seq;
    }
  }
  const range = victim?.claimHalf(seq);
  return range === undefined ? undefined : { from: victim!, seq, range };
}

/** What stealing needs of the executor. */
export interface StealingHost {
  /** The workers that may take from each other now: none while stopped, or while chunks wait to be posted again. */
  slots(): readonly WorkerSlot[];
  /** Posts a part to the worker that took it. */
  post(slot: WorkerSlot, chunk: Chunk<Prepared>): void;
  /** A whole chunk `from` gave back: run it anywhere. */
  requeue(chunk: Chunk<Prepared>, from: WorkerSlot): void;
}

// An idle worker that found nothing to take looks again after this long,
// doubling up to the max while it finds nothing (a chunk's start, which
// makes its items takeable, sends no message).
const MIN_RETRY_MS = 1;
const MAX_RETRY_MS = 16;

/**
 * The executor's side of work stealing: gives idle workers work, and puts
 * the outcomes of chunks run in parts back together.
 */
export class Stealing {
  #host: StealingHost;
  /** Running chunks some of whose items other workers took. */
  #split = new Map<Chunk<Prepared>, Outcomes>();
  #retry: ReturnType<typeof setTimeout> | undefined;
  #retryMs = MIN_RETRY_MS;

  constructor(host: StealingHost) {
    this.#host = host;
  }

  /**
   * A chunk's outcome from its worker: the whole chunk's, unless other
   * workers took some of its items (then their replies complete it).
   */
  settle(
    chunk: Chunk<Prepared>,
    values: unknown[],
    errors?: ReadonlyMap<number, unknown>,
  ): void {
    const outcomes = this.#split.get(chunk);
    if (outcomes === undefined) chunk.settle(values, errors);
    else outcomes.own(values, errors);
  }

  /** Fails the items a chunk's own worker held; parts taken from it go on. */
  fail(chunk: Chunk<Prepared>, error: unknown): void {
    const n = chunk.items.length;
    this.settle(chunk, new Array(n), everyItem(n, error));
  }

  /** The parts other workers took from `chunk`, which is being cancelled. */
  parts(chunk: Chunk<Prepared>): Part[] {
    const outcomes = this.#split.get(chunk);
    if (outcomes === undefined) return [];
    this.#split.delete(chunk);
    return [...outcomes.parts];
  }

  /**
   * Gives each idle worker work waiting at a busy one: a chunk it holds and
   * has not started, else half the unclaimed items of one it runs.
   */
  balance(): void {
    const slots = [...this.#host.slots()];
    for (const thief of slots) {
      if (!thief.live || !thief.ready || thief.inflight.size > 0) continue;
      const loot = findLoot(thief, slots);
      if (loot === undefined) {
        if (slots.some((slot) => slot.inflight.size > 0)) this.#later();
        return;
      }
      this.#retryMs = MIN_RETRY_MS;
      if ("chunk" in loot) this.#host.requeue(loot.chunk, loot.from);
      else if ("range" in loot) {
        const whole = loot.from.inflight.get(loot.seq)!;
        let outcomes = this.#split.get(whole);
        if (outcomes === undefined) {
          outcomes = new Outcomes(whole, () => this.#split.delete(whole));
          this.#split.set(whole, outcomes);
        }
        this.#host.post(thief, outcomes.take(...loot.range));
      }
    }
  }

  #later(): void {
    if (this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
      this.balance();
    }, this.#retryMs);
  }

  /** The pool stops: no more stealing. */
  clear(): void {
    clearTimeout(this.#retry);
    this.#split.clear();
  }
}
