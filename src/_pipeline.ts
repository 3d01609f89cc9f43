// How many chunks a Pool worker is given ahead: enough that it never waits
// for its next message, few enough that work does not pile up behind a slow
// chunk. Learned from the time between replies, per call.

/** Chunks posted to a worker and not yet answered: at least this many... */
const MIN_DEPTH = 2;
/** ...and more while chunks are quick, up to this many... */
const MAX_DEPTH = 64;
/** ...so that about this many milliseconds of work wait in a worker's line. */
const BUDGET_MS = 2;
/** Without shared memory, chunks this long (ms) go one at a time. */
const LONG_MS = 10;

/** A worker's pipeline depth, learned from the chunks of the current call. */
export class Pipeline {
  /** How many chunks may be in flight. */
  depth = MIN_DEPTH;
  #cost = BUDGET_MS / MIN_DEPTH;
  #last = 0;
  #busy = false;
  #call: unknown;
  #shared: boolean;

  /**
   * `sharedMemory`: a chunk queued at the worker can be taken back at any
   * time (else only between chunks, so long ones go one at a time).
   */
  constructor(sharedMemory: boolean) {
    this.#shared = sharedMemory;
  }

  /** A chunk of `call` is posted: what another call taught does not hold. */
  posted(call: unknown): void {
    if (call === this.#call) return;
    this.#call = call;
    this.depth = MIN_DEPTH;
    this.#cost = BUDGET_MS / MIN_DEPTH;
    this.#busy = false;
  }

  /**
   * A reply arrived, and `inflight` chunks are still posted. Between two
   * replies of a worker that had its next chunk queued lies the time of one
   * chunk: keep BUDGET_MS of such chunks in flight. Without shared memory a
   * worker cannot give back a chunk queued behind a long synchronous one in
   * time: queue none behind chunks that long.
   */
  answered(inflight: number): void {
    const now = performance.now();
    if (this.#busy) {
      this.#cost = this.#cost * 0.75 + (now - this.#last) * 0.25;
      this.depth = !this.#shared && this.#cost > LONG_MS ? 1 : Math.max(
        MIN_DEPTH,
        Math.min(MAX_DEPTH, Math.floor(BUDGET_MS / this.#cost)),
      );
    }
    this.#last = now;
    this.#busy = inflight > 0;
  }
}
