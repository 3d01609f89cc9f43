// Task module of the cluster suite: the agents start with `--module` pointing
// here and the pools use it too (same content, same hash). Gates are files
// in a folder, as agents are other processes (no shared memory).
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import process from "node:process";
import { threadId } from "node:worker_threads";

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** x². */
export function sqr(x: number): number {
  return x * x;
}

/** a + b. */
export function add(a: number, b: number): number {
  return a + b;
}

/** Returns its argument. */
export function identity<T>(x: T): T {
  return x;
}

/** The pid of the agent that ran the task, after `ms` milliseconds. */
export async function whoRan(ms: number): Promise<number> {
  await wait(ms);
  return process.pid;
}

/** The id of the worker thread that ran the task. */
export function thread(): number {
  return threadId;
}

/** An error class of its own, with an own `code` property. */
export class CustomError extends Error {
  code: string;
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CustomError";
    this.code = code;
  }
}

/** Throws `CustomError(message, code)` with a `TypeError` cause. */
export function throwCustom(message: string, code: string): never {
  throw new CustomError(message, code, { cause: new TypeError("the cause") });
}

/** x², but throws `RangeError("negative: x")` for x < 0. */
export function sqrNonNegative(x: number): number {
  if (x < 0) throw new RangeError(`negative: ${x}`);
  return x * x;
}

/** An item of `gated`: the gate folder and the item's index. */
export interface GateItem {
  dir: string;
  i: number;
}

/**
 * Writes `started-i` (with the agent's pid), waits until the file `open`
 * exists in `dir`, writes `finished-i`, returns `i`. Gives up after 20 s.
 */
export async function gated({ dir, i }: GateItem): Promise<number> {
  writeFileSync(`${dir}/started-${i}`, String(process.pid));
  const deadline = Date.now() + 20_000;
  while (!existsSync(`${dir}/open`) && Date.now() < deadline) await wait(5);
  writeFileSync(`${dir}/finished-${i}`, String(process.pid));
  return i;
}

/** Initializer: appends a line to `path`. */
export function countInit(path: string): void {
  appendFileSync(path, "init\n");
}

/** Initializer that throws. */
export function failInit(): never {
  throw new Error("initializer failed on purpose");
}
