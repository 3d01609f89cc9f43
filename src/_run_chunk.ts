// Runs the items of one chunk in order: synchronously while the task returns
// plain values, awaiting only when it returns a thenable.

/** The outcome of a chunk: a value per item, and the errors by item index. */
export interface ChunkResult {
  values: unknown[];
  errors?: Map<number, unknown>;
}

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => unknown;

/** Whether `value` has a `then` method (a promise or promise-like). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

function call(fn: Fn, item: unknown, star: boolean): unknown {
  return star ? fn(...(item as Iterable<unknown>)) : fn(item);
}

/** How a chunk is watched while it runs: both optional. */
export interface ChunkControl {
  /** Once aborted, the items not yet started fail with its `reason`. */
  readonly aborted?: boolean;
  readonly reason?: unknown;
  /** Called as item `index` starts. */
  onItem?(index: number): void;
}

// Item `i` under `control`: not started once the chunk is aborted.
function watched(
  fn: Fn,
  items: readonly unknown[],
  i: number,
  star: boolean,
  control: ChunkControl,
): unknown {
  if (control.aborted) throw control.reason;
  control.onItem?.(i);
  return call(fn, items[i], star);
}

/**
 * Hands out the items to run as ranges of indexes, in increasing order:
 * where others may take some of a chunk's items (work stealing), the ones
 * this side claimed.
 */
export interface ItemCursor {
  /**
   * Claims the next items: returns the first one's index (`items.length` or
   * more once none are left) and sets `end`, one past the last claimed.
   */
  claim(): number;
  readonly end: number;
}

/**
 * Runs `fn` over `items` (those `cursor` hands out, if given: the others stay
 * holes); returns synchronously when no item was async.
 */
export function runChunk(
  fn: Fn,
  items: readonly unknown[],
  star: boolean,
  control?: ChunkControl,
  cursor?: ItemCursor,
): ChunkResult | Promise<ChunkResult> {
  const result: ChunkResult = { values: new Array(items.length) };
  const n = items.length;
  let i = cursor ? cursor.claim() : 0;
  let end = cursor ? Math.min(cursor.end, n) : n;
  for (;;) {
    for (; i < end; i++) {
      let value: unknown;
      let thenable: boolean;
      try {
        value = control
          ? watched(fn, items, i, star, control)
          : call(fn, items[i], star);
        // Inside the try: a `then` getter or a revoked Proxy throws here.
        thenable = isThenable(value);
      } catch (error) {
        (result.errors ??= new Map()).set(i, error);
        continue;
      }
      if (thenable) {
        return finish(fn, items, star, result, i, end, value, control, cursor);
      }
      result.values[i] = value;
    }
    if (cursor === undefined || (i = cursor.claim()) >= n) return result;
    end = Math.min(cursor.end, n);
  }
}

async function finish(
  fn: Fn,
  items: readonly unknown[],
  star: boolean,
  result: ChunkResult,
  index: number,
  end: number,
  pending: unknown,
  control: ChunkControl | undefined,
  cursor: ItemCursor | undefined,
): Promise<ChunkResult> {
  const n = items.length;
  for (let i = index;;) {
    try {
      result.values[i] = await pending;
    } catch (error) {
      (result.errors ??= new Map()).set(i, error);
    }
    if (++i >= end) {
      if (cursor === undefined || (i = cursor.claim()) >= n) return result;
      end = Math.min(cursor.end, n);
    }
    try {
      pending = control
        ? watched(fn, items, i, star, control)
        : call(fn, items[i], star);
    } catch (error) {
      pending = Promise.reject(error);
    }
  }
}
