// Tasks that use the task entry (taskSignal(), progress()), for
// tests/task_signal_test.ts, tests/progress_test.ts and tests/timeout_test.ts.
// Pools are created with `module` pointing here, so Pool sends them by name.
import { progress, taskSignal } from "../../task.ts";

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Layout of the `Int32Array` over a flag buffer. */
export const FLAG = {
  /** 1 once a task saw its taskSignal() abort. */
  ABORTED: 0,
  /** 1 once a task started. */
  STARTED: 1,
} as const;

/** Reports 0 .. n-1 with progress(), synchronously; returns n. */
export function reportSteps(n: number): number {
  for (let i = 0; i < n; i++) progress(i);
  return n;
}

/** Reports `[id, 0 .. n-1]` with progress(), a macrotask apart; returns id. */
export async function reportStepsAsync(id: number, n: number): Promise<number> {
  for (let i = 0; i < n; i++) {
    await wait(1 + (id * 3) % 5);
    progress([id, i]);
  }
  return id;
}

/** Whether taskSignal() is an AbortSignal not yet aborted, before and after an await. */
export async function signalSeen(): Promise<boolean[]> {
  const signal = taskSignal();
  const before = signal instanceof AbortSignal && !signal.aborted;
  await wait(1);
  return [before, taskSignal() === signal && !signal.aborted];
}

/** Interleaved on one pool: each task must keep seeing its own signal. */
export async function ownSignal(id: number): Promise<number> {
  const signal = taskSignal();
  for (let i = 0; i < 5; i++) {
    await wait((id * 7 + i) % 4);
    if (taskSignal() !== signal) throw new Error(`task ${id} lost its signal`);
    progress(id);
  }
  return id;
}

/**
 * Never settles by itself, like a fetch to a server that does not answer:
 * rejects with the reason once taskSignal() aborts, and marks the flag.
 */
export function waitForAbort(flags?: SharedArrayBuffer): Promise<never> {
  const signal = taskSignal();
  if (flags) Atomics.store(new Int32Array(flags), FLAG.STARTED, 1);
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => {
      if (flags) Atomics.store(new Int32Array(flags), FLAG.ABORTED, 1);
      reject(signal.reason);
    }, { once: true });
  });
}

/**
 * A synchronous loop that only terminating its worker stops in time: it ends
 * by itself after 20 s, so a runtime that cannot stop such a thread (Deno)
 * is not left spinning for the rest of a test run.
 */
export function spinForever(flags?: SharedArrayBuffer): string {
  if (flags) Atomics.store(new Int32Array(flags), FLAG.STARTED, 1);
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    // Busy: no message, timer or abort reaches this task.
  }
  return "spun out";
}

/** Returns `value` after `ms` milliseconds. */
export async function sleepy<T>(value: T, ms: number): Promise<T> {
  await wait(ms);
  return value;
}

/** Reports a value that cannot be structured-cloned; returns the error's name. */
export function reportFunction(): string {
  try {
    progress(() => {});
    return "no error";
  } catch (error) {
    return (error as Error).name;
  }
}

/** Returns `ms` after `ms` milliseconds; a negative `ms` waits for its taskSignal() (see `waitForAbort`). */
export function sleepyOrHang(ms: number): Promise<number> {
  return ms < 0 ? waitForAbort() : sleepy(ms, ms);
}
