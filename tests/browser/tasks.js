// Task module of the browser suite (scripts/test_browser.ts), plain
// JavaScript served as it is: no build step in the page.

/** A random id drawn once per worker (or once in the page). */
const ID = Math.random();
let initValue;

export const sqr = (x) => x * x;
export function add(a, b) {
  return a + b;
}
export function workerId() {
  return ID;
}
export function sleepy(value, ms) {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}
export function fail(kind) {
  if (kind === "type") throw new TypeError("bad type");
  const error = new Error("custom");
  error.name = "CustomError";
  error.code = "E_CUSTOM";
  throw error;
}
export function spin() {
  for (;;) {
    // Only terminating the worker stops this.
  }
}
export function closeSelf() {
  self.close();
  return new Promise(() => {});
}
export function byteLength(buffer) {
  return buffer.byteLength;
}
export function init(value) {
  initValue = value;
}
export function initialized() {
  return initValue;
}
