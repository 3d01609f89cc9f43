// Timers of any length: setTimeout fires at once past 2^31 - 1 ms, so a long
// wait is a chain of shorter ones; Infinity never fires. Optionally unref'd,
// so the timer alone never keeps the process alive.

/** The longest delay setTimeout honours. */
const MAX_DELAY = 2 ** 31 - 1;

interface Unrefable {
  unref?: () => void;
}

interface Runtime {
  Deno?: { unrefTimer?: (id: number) => void };
}

function unref(timer: ReturnType<typeof setTimeout>): void {
  if (typeof timer === "number") {
    (globalThis as Runtime).Deno?.unrefTimer?.(timer);
  } else (timer as Unrefable).unref?.();
}

/** A started timer: `clear()` stops it. */
export interface LongTimer {
  clear(): void;
}

/**
 * Calls `fn` after `ms` milliseconds (any non-negative number, Infinity
 * never); with `weak`, the timer does not keep the process alive.
 */
export function longTimeout(
  fn: () => void,
  ms: number,
  weak = false,
): LongTimer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cleared = false;
  const deadline = Date.now() + ms;
  const arm = (delay: number): void => {
    if (cleared || delay === Infinity) return;
    timer = setTimeout(() => {
      const left = deadline - Date.now();
      if (left > 0 && delay === MAX_DELAY) arm(Math.min(left, MAX_DELAY));
      else fn();
    }, delay);
    if (weak) unref(timer);
  };
  arm(Math.min(Math.max(0, ms), MAX_DELAY));
  return {
    clear(): void {
      cleared = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
