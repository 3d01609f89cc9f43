// How Pool starts its workers, and where a chunk goes while some are still
// starting: the first alone, then the others one spawn per event-loop turn,
// and work only to a worker that is ready (else it waits for whichever is
// first ready or free).
import type { WorkerSlot as Slot } from "./_worker_slot.ts";

/** What starting workers needs of the executor. */
export interface StartsHost {
  /** The executor's workers (live and retiring), kept up to date by it. */
  readonly slots: readonly Slot[];
  /** How many workers the pool has at most. */
  readonly processes: number;
  /** Workers answer READY as soon as they booted (no module, no initializer). */
  readonly quick: boolean;
  /** How many chunks wait for a worker. */
  waiting(): number;
  /** Whether workers may be started now (the adapter is known, the pool runs). */
  canStart(): boolean;
  /** Starts one worker (it joins `slots`). */
  start(): void;
  /** Starting a worker threw. */
  failed(error: unknown): void;
}

/** How long the first worker boots alone at most (ms). */
const ALONE_MS = 100;
/** A spawn that took this long (ms) blocked the thread... */
const SLOW_SPAWN_MS = 10;
/** ...so the next waits up to this long (ms) for the first chunk's reply. */
const HOLD_MS = 10;

// Runs `callback` in a later turn of the event loop (a macrotask).
function nextTurn(callback: () => void): { cancel(): void } {
  if (typeof setImmediate === "function") {
    const handle = setImmediate(callback);
    return { cancel: () => clearImmediate(handle) };
  }
  const handle = setTimeout(callback, 0);
  return { cancel: () => clearTimeout(handle) };
}

/** Starts a pool's workers and places chunks while they start. */
export class WorkerStarts {
  /** Workers to start, one per event-loop turn (see `kick`). */
  wanted: number;
  #host: StartsHost;
  /** The next turn's spawn is scheduled. */
  #turn: { cancel(): void } | undefined;
  /** Workers that have booted (said HELLO). */
  #booted = new WeakSet<Slot>();
  /** Until when the first worker boots alone. */
  #alone = 0;
  /** Starting a worker blocked this thread (Deno). */
  #slow = false;
  /** A worker has answered a chunk. */
  #answered = false;
  /** Until when spawns wait for the first reply (0: not yet waiting). */
  #holdUntil = 0;
  #wait: ReturnType<typeof setTimeout> | undefined;

  constructor(host: StartsHost) {
    this.#host = host;
    this.wanted = host.processes;
  }

  /**
   * Like CPython, the pool starts its workers as it is created (each runs
   * the initializer), and again to replace one it lost.
   */
  all(): void {
    let live = 0;
    for (const slot of this.#host.slots) if (slot.live) live++;
    const missing = this.#host.processes - live - this.wanted;
    if (missing > 0) this.wanted += missing;
    this.kick();
  }

  /** `slot` has booted (said HELLO): the next worker may start. */
  booted(slot: Slot): void {
    this.#booted.add(slot);
    this.kick();
  }

  /**
   * Starts the wanted workers one per event-loop turn: starting one can
   * block the thread (Deno's `new Worker()` takes tens of milliseconds), so
   * no caller waits for more than one. The first boots alone, so it boots as
   * fast as a lone worker and gets work first; the others start once it has
   * (or after ALONE_MS, should it be slow).
   */
  kick(): void {
    const host = this.#host;
    if (this.#turn || this.wanted === 0 || !host.canStart()) return;
    // Starting one may block this thread: not while a booted worker is about
    // to say READY (at once, without initializer or module), so its first
    // chunk goes without waiting on a spawn.
    let booting = 0;
    let booted = false;
    for (const slot of host.slots) {
      if (!slot.live) continue;
      if (!this.#booted.has(slot)) booting++;
      else if (host.quick && !slot.ready) return;
      else booted = true;
    }
    // The first boots alone, for a while. Where a spawn blocks this thread,
    // none before the first chunk's reply is in, for a while.
    let until = 0;
    if (!booted && booting > 0) until = this.#alone;
    else if (this.#slow && !this.#answered && this.#first()) {
      until = this.#holdUntil ||= performance.now() + HOLD_MS;
    }
    if (until > performance.now()) {
      return this.#later(until - performance.now());
    }
    this.wanted--;
    const began = performance.now();
    try {
      host.start();
    } catch (error) {
      host.failed(error);
      return;
    }
    const now = performance.now();
    if (now - began > SLOW_SPAWN_MS) this.#slow = true;
    // The first boots alone from now (its spawn may have blocked a while).
    if (booting === 0 && !booted) this.#alone = now + ALONE_MS;
    this.#turn = nextTurn(() => {
      this.#turn = undefined;
      this.kick();
    });
  }

  /** A worker answered a chunk: workers held back for the first reply may start. */
  answered(): void {
    if (this.#answered) return;
    this.#answered = true;
    // In a later turn: the reply reaches its caller before a spawn blocks.
    clearTimeout(this.#wait);
    this.#wait = undefined;
    this.#later(0);
  }

  // Kicks again in `ms` milliseconds (once, however often asked).
  #later(ms: number): void {
    this.#wait ??= setTimeout(() => {
      this.#wait = undefined;
      this.kick();
    }, ms);
  }

  // A ready worker has work: the first chunk is on its way.
  #first(): boolean {
    for (const slot of this.#host.slots) {
      if (slot.ready && slot.inflight.size > 0) return true;
    }
    return false;
  }

  /** No more workers start. */
  cancel(): void {
    this.#turn?.cancel();
    this.#turn = undefined;
    clearTimeout(this.#wait);
    this.#wait = undefined;
  }

  /**
   * Room for a chunk: a started worker takes it (once the `waiting` chunks
   * have gone), or it waits for the first worker to be free or started, one
   * chunk per worker starting or that may be started.
   */
  hasRoom(waiting: number): boolean {
    if (this.target() !== undefined) return waiting === 0;
    let live = 0;
    let booting = 0;
    for (const slot of this.#host.slots) {
      if (!slot.live) continue;
      live++;
      if (!slot.ready) booting++;
    }
    return waiting < booting + Math.max(0, this.#host.processes - live);
  }

  /**
   * The worker a chunk goes to now: the started one with room and the
   * fewest chunks. While another worker is starting (or may be started), one
   * that has work takes no more: the chunk waits for whichever is first free
   * or started, never behind a worker still booting.
   */
  target(): Slot | undefined {
    let best: Slot | undefined;
    let live = 0;
    let booting = false;
    for (const slot of this.#host.slots) {
      if (!slot.live) continue;
      live++;
      if (!slot.ready) booting = true;
      else if (
        slot.canTake() && (!best || slot.inflight.size < best.inflight.size)
      ) best = slot;
    }
    if (
      best !== undefined && best.inflight.size > 0 &&
      (booting || this.wanted > 0 || live < this.#host.processes)
    ) return undefined;
    return best;
  }

  /**
   * Chunks wait for a worker: start one for each that no worker starting
   * will take, as far as the pool may have workers, and keep the process
   * alive for those starting.
   */
  await(): void {
    let live = 0;
    let booting = 0;
    for (const slot of this.#host.slots) {
      if (!slot.live) continue;
      live++;
      if (!slot.ready) {
        booting++;
        slot.hold();
      }
    }
    const more = Math.min(
      this.#host.waiting() - booting - this.wanted,
      this.#host.processes - live - this.wanted,
    );
    if (more > 0) {
      this.wanted += more;
      this.kick();
    }
  }
}
