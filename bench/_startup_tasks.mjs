// The task module of the start-up rows, plain JavaScript (no worker strips
// types from it, from the package or from the sources alike).

/** This worker's identity: each worker loads the module once. */
const ID = Math.random();

/**
 * Wait `ms` on a timer (0: not at all; a timer, not a blocking wait, so that
 * terminating the pool never interrupts a synchronous task), then say which
 * worker ran.
 */
export async function hello(ms) {
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  return ID;
}
