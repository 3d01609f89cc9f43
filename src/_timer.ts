// Timers of any length: setTimeout overflows past 2^31 - 1 ms and fires at
// once, so a long wait is armed in pieces, and `Infinity` arms nothing.

/** The longest delay `setTimeout` honours. */
const MAX_DELAY = 2 ** 31 - 1;

/** A pending timer; `clear()` stops it (again is harmless). */
export interface Timer {
  clear(): void;
}

const NEVER: Timer = { clear() {} };

interface Runtime {
  Deno?: { unrefTimer?: (id: number) => void };
}

// Lets the process exit while only this timer is pending.
function unref(handle: ReturnType<typeof setTimeout>): void {
  if (typeof handle === "number") {
    (globalThis as Runtime).Deno?.unrefTimer?.(handle);
  } else (handle as { unref?: () => void }).unref?.();
}

/**
 * Calls `fire` once `ms` milliseconds have passed (never for `Infinity`);
 * a `weak` timer never keeps the process alive by itself.
 */
export function startTimer(
  ms: number,
  fire: () => void,
  weak = false,
): Timer {
  if (ms === Infinity) return NEVER;
  const deadline = Date.now() + ms;
  let handle: ReturnType<typeof setTimeout>;
  const arm = (delay: number): void => {
    handle = setTimeout(() => {
      const left = deadline - Date.now();
      if (left > 0) arm(left);
      else fire();
    }, Math.min(delay, MAX_DELAY));
    if (weak) unref(handle);
  };
  arm(ms);
  return { clear: () => clearTimeout(handle) };
}
