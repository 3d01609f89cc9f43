// The clocks Pool keeps on its workers: a running task's `timeout`, the grace
// an aborted task gets to end by itself, and `idleTimeout`. What happens when
// one runs out is the executor's business (src/_worker_executor.ts).
import { startTimer, type Timer } from "./_timer.ts";
import type { WorkerSlot } from "./_worker_slot.ts";

/**
 * How long an aborted task may take to end by itself (its taskSignal() was
 * aborted) before its worker is stopped: a synchronous loop never ends.
 */
export const ABORT_GRACE_MS = 200;

interface Clocks {
  /** The item running past its start, in chunk `seq`. */
  deadline?: { seq: number; timer: Timer };
  /** Aborted chunks still running, by seq. */
  aborted?: Map<number, Timer>;
  /** Runs while the worker has nothing to do. */
  idle?: Timer;
}

/** Per-worker timers, cleared as the worker answers or ends. */
export class WorkerTimers {
  #clocks = new Map<WorkerSlot, Clocks>();

  #of(slot: WorkerSlot): Clocks {
    let clocks = this.#clocks.get(slot);
    if (clocks === undefined) this.#clocks.set(slot, clocks = {});
    return clocks;
  }

  /** An item of chunk `seq` started: `expired()` after `ms`, unless it ends first. */
  started(slot: WorkerSlot, seq: number, ms: number, expired: () => void) {
    const clocks = this.#of(slot);
    clocks.deadline?.timer.clear();
    clocks.deadline = { seq, timer: startTimer(ms, expired) };
  }

  /** Chunk `seq` was aborted while running: `expired()` unless it answers within the grace. */
  aborted(slot: WorkerSlot, seq: number, expired: () => void): void {
    const clocks = this.#of(slot);
    (clocks.aborted ??= new Map()).set(
      seq,
      startTimer(ABORT_GRACE_MS, expired),
    );
  }

  /** Chunk `seq` answered: its clocks stop. */
  answered(slot: WorkerSlot, seq: number): void {
    const clocks = this.#clocks.get(slot);
    if (clocks === undefined) return;
    if (clocks.deadline?.seq === seq) {
      clocks.deadline.timer.clear();
      clocks.deadline = undefined;
    }
    const grace = clocks.aborted?.get(seq);
    if (grace !== undefined) {
      grace.clear();
      clocks.aborted!.delete(seq);
    }
  }

  /** The worker has nothing to do: `expired()` after `ms` (never keeps the process alive). */
  idle(slot: WorkerSlot, ms: number | undefined, expired: () => void): void {
    if (ms === undefined || ms === Infinity) return;
    const clocks = this.#of(slot);
    clocks.idle?.clear();
    clocks.idle = startTimer(ms, expired, true);
  }

  /** The worker got work. */
  busy(slot: WorkerSlot): void {
    const clocks = this.#clocks.get(slot);
    if (clocks?.idle === undefined) return;
    clocks.idle.clear();
    clocks.idle = undefined;
  }

  /** The worker ended: every clock of it stops. */
  ended(slot: WorkerSlot): void {
    const clocks = this.#clocks.get(slot);
    if (clocks === undefined) return;
    this.#clocks.delete(slot);
    clocks.deadline?.timer.clear();
    clocks.idle?.clear();
    for (const timer of clocks.aborted?.values() ?? []) timer.clear();
  }
}
