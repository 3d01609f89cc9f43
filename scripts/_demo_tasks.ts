// Tasks of the demo's progress bar (scripts/demo.ts): a Pool sends them by
// name, and each reports that it is done with progress().
import { progress } from "../task.ts";

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** fib(n), then reports 1 (one more done) to the call's onProgress. */
export function fibReported(n: number): number {
  const value = fib(n);
  progress(1);
  return value;
}
