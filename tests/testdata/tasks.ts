// Task module of the behaviour tests: every pool under test is created with
// `module` pointing here, so `Pool` sends these exports by reference and both
// pools resolve them by name ("sqr", "add", ...). Self-contained: no imports,
// no top-level await.

/** Layout of the `Int32Array` over a probe's `SharedArrayBuffer` (see tests/_helpers.ts). */
export const PROBE = {
  /** Non-zero: every gated task may finish. */
  GATE: 0,
  /** How many gated tasks have started. */
  STARTED: 1,
  /** How many gated tasks have finished. */
  FINISHED: 2,
  /** How many times `countInit` ran. */
  INITS: 3,
  /** Start order: the item index of the n-th started task, at `ORDER + n`. */
  ORDER: 8,
  /** Per-item gates: non-zero at `GATES + i` lets item `i` finish. */
  GATES: 136,
  /** Int32 slots in a probe. */
  LENGTH: 392,
} as const;

/**
 * A probe's memory: shared memory, or, where the pool's workers are processes
 * (no memory shared with them), the path of a directory of files that stands
 * for it (see `FileProbe` below).
 */
export type ProbeMemory = SharedArrayBuffer | string;

/** An item of `gated`: its index, the probe memory, and whether it throws. */
export interface GatedItem {
  i: number;
  sab: ProbeMemory;
  fail?: boolean;
}

interface Fs {
  appendFileSync(path: string, data: string): void;
  existsSync(path: string): boolean;
}

/**
 * The probe as files in directory `dir`, for workers in other processes:
 * a line appended to `started`, `finished` or `inits` per event (appends of
 * a line are atomic), a file `gate` or `gate-<i>` for an open gate.
 */
export const FileProbe = {
  fs(): Fs {
    // deno-lint-ignore no-explicit-any
    return (globalThis as any).process.getBuiltinModule("node:fs");
  },
  record(dir: string, file: string, line: string): void {
    FileProbe.fs().appendFileSync(`${dir}/${file}`, `${line}\n`);
  },
  open(dir: string, i: number): boolean {
    const fs = FileProbe.fs();
    return fs.existsSync(`${dir}/gate`) || fs.existsSync(`${dir}/gate-${i}`);
  },
};

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

/** x² after a macrotask. */
export async function sqrAsync(x: number): Promise<number> {
  await wait(1);
  return x * x;
}

/** Returns `value` after `ms` milliseconds. */
export async function sleepy<T>(value: T, ms: number): Promise<T> {
  await wait(ms);
  return value;
}

/** Returns `x * 10` after `(x * 7) % 20` ms, so later items often finish first. */
export async function scrambled(x: number): Promise<number> {
  await wait((x * 7) % 20);
  return x * 10;
}

/** x², but throws `RangeError("negative: x")` for x < 0. */
export function sqrNonNegative(x: number): number {
  if (x < 0) throw new RangeError(`negative: ${x}`);
  return x * x;
}

/** Throws `Error(message)`. */
export function throwError(message: string): never {
  throw new Error(message);
}

/** Throws `TypeError(message)`. */
export function throwTypeError(message: string): never {
  throw new TypeError(message);
}

/** Throws `RangeError(message)`. */
export function throwRangeError(message: string): never {
  throw new RangeError(message);
}

/** An error class of its own, with an own `code` property. */
export class CustomError extends Error {
  code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = "CustomError";
    this.code = code;
  }
}

/** Throws `CustomError(message, code)`. */
export function throwCustom(message: string, code: string): never {
  throw new CustomError(message, code);
}

/** Rejects with `Error(message)` after a macrotask. */
export async function rejectAsync(message: string): Promise<never> {
  await wait(1);
  throw new Error(message);
}

/** The byte length of an `ArrayBuffer`. */
export function byteLength(buffer: ArrayBuffer): number {
  return buffer.byteLength;
}

/**
 * Records its start in the probe, waits until the probe's gate (or this
 * item's gate) opens, records its end, then returns `i` or throws when
 * `fail`. Gives up waiting after 10 s so a forgotten gate never hangs a run.
 */
export async function gated(item: GatedItem): Promise<number> {
  if (typeof item.sab === "string") return await gatedByFiles(item, item.sab);
  const memory = new Int32Array(item.sab);
  const position = Atomics.add(memory, PROBE.STARTED, 1);
  Atomics.store(memory, PROBE.ORDER + position, item.i);
  const deadline = Date.now() + 10_000;
  while (
    Atomics.load(memory, PROBE.GATE) === 0 &&
    Atomics.load(memory, PROBE.GATES + item.i) === 0 &&
    Date.now() < deadline
  ) {
    await wait(2);
  }
  Atomics.add(memory, PROBE.FINISHED, 1);
  if (item.fail) throw new Error(`gated ${item.i} failed`);
  return item.i;
}

async function gatedByFiles(item: GatedItem, dir: string): Promise<number> {
  FileProbe.record(dir, "started", String(item.i));
  const deadline = Date.now() + 10_000;
  while (!FileProbe.open(dir, item.i) && Date.now() < deadline) await wait(2);
  FileProbe.record(dir, "finished", String(item.i));
  if (item.fail) throw new Error(`gated ${item.i} failed`);
  return item.i;
}

/** `gated` with star arguments, for `starmap`. */
export function gatedStar(i: number, sab: ProbeMemory): Promise<number> {
  return gated({ i, sab });
}

/** Initializer: counts its runs in the probe. */
export function countInit(sab: ProbeMemory): void {
  if (typeof sab === "string") FileProbe.record(sab, "inits", "1");
  else Atomics.add(new Int32Array(sab), PROBE.INITS, 1);
}

let initValue: unknown;

/** Initializer: remembers `value` (per worker for `Pool`). */
export function setInit(value: unknown): void {
  initValue = value;
}

/** Initializer: remembers the list of its arguments. */
export function setInitArgs(...args: unknown[]): void {
  initValue = args;
}

/** The value the initializer remembered, with `x`. */
export function getInit(x: number): [unknown, number] {
  return [initValue, x];
}

/** Initializer that throws `Error(message)`. */
export function failInit(message: string): never {
  throw new Error(message);
}
