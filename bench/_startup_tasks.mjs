// The task module of the start-up rows, plain JavaScript (no worker strips
// types from it, from the package or from the sources alike).

/** This worker's identity: each worker loads the module once. */
const ID = Math.random();
const cell = new Int32Array(new SharedArrayBuffer(4));

/** Sleep `ms` without spinning (0: not at all), then say which worker ran. */
export function hello(ms) {
  if (ms > 0) Atomics.wait(cell, 0, 0, ms);
  return ID;
}
