// Task functions shared by every contender: multipool's `Pool` imports this as
// its `module`; piscina and tinypool load it as their worker file (by export
// name); workerpool registers them in `_workerpool_worker.ts`.

/** The tiny task: `x * x`. */
export function square(x: number): number {
  return x * x;
}

/** The tiny async task: `x * x` behind a promise. */
export function squareAsync(x: number): Promise<number> {
  return Promise.resolve(x * x);
}

/** The CPU-bound task: naive Fibonacci. */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Default export for pools that want one. */
export default square;
