// The task module of `npm run demo:cluster`: the agents and the pool load it.
import process from "node:process";

/** The n-th Fibonacci number, the slow way (CPU-bound on purpose). */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** `fib(n)` and the pid of the agent that computed it. */
export function fibWhere(n: number): { value: number; pid: number } {
  return { value: fib(n), pid: process.pid };
}
