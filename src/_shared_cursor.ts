// The worker side of item-level work stealing: a chunk's items are claimed
// from a shared cursor cell, which the parent may advance too to give the
// unclaimed items to an idle worker (src/_steal.ts).
import type { ItemCursor } from "./_run_chunk.ts";

/** Batches never grow past this many items... */
const MAX_BATCH = 1024;
/** ...nor once a batch takes this many milliseconds. */
const QUICK_MS = 0.05;
/** A batch slower than this halves the next one. */
const SLOW_MS = 1;

/**
 * Claims a chunk's items from its cursor cell with `Atomics.add`, in batches
 * that double while the items are quick (claiming then costs next to
 * nothing) and stay single while they are slow (so the parent can give away
 * all but the item running).
 */
export class SharedCursor implements ItemCursor {
  #cells: Int32Array<ArrayBufferLike>;
  #at: number;
  #length: number;
  #batch = 1;
  #claimed = 0;
  end = 0;

  constructor(cells: Int32Array<ArrayBufferLike>, at: number, length: number) {
    this.#cells = cells;
    this.#at = at;
    this.#length = length;
  }

  claim(): number {
    const now = performance.now();
    if (this.#claimed !== 0) {
      const took = now - this.#claimed;
      if (took < QUICK_MS) {
        if (this.#batch < MAX_BATCH) this.#batch *= 2;
      } else if (took > SLOW_MS && this.#batch > 1) this.#batch >>= 1;
    }
    this.#claimed = now;
    const start = Atomics.add(this.#cells, this.#at, this.#batch);
    this.end = Math.min(start + this.#batch, this.#length);
    return start;
  }
}
