// Pool's executor: chunks run in worker threads spawned through a
// WorkerAdapter. At least two chunks in flight per worker (more while chunks
// are quick), so a worker never waits for its next message; a task's
// reference goes once per worker, then its id.
import type {
  Chunk,
  Executor,
  ExecutorConfig,
  ExecutorHost,
} from "./_executor.ts";
import { TimeoutError, WorkerCrashedError } from "./errors.ts";
import {
  ABORT,
  cloneError,
  errorsFromWire,
  EXIT,
  FAILED,
  fromWire,
  HELLO,
  INIT_FAILED,
  ITEM_STARTED,
  PROGRESS,
  READY,
  type ReplyMessage,
  RESULT,
  SIGNAL_USED,
  SKIPPED,
  STARTED,
  toWire,
  UNREADABLE,
} from "./_protocol.ts";
import { WorkerTimers } from "./_worker_timers.ts";
import { sharedMemory } from "./_runtime.ts";
import { WorkerStarts } from "./_worker_starts.ts";
import { moduleSpecifier } from "./_module.ts";
import { type Prepared, type TaskRef, TaskRefs } from "./_task_ref.ts";
import type { Task } from "./types.ts";
import type { WorkerAdapter } from "./worker_adapter.ts";
import { everyItem, WorkerSlot as Slot } from "./_worker_slot.ts";
import { Stealing } from "./_steal.ts";

// The worker entry: `options.workerUrl`, else the worker side bundled into
// one plain module (scripts/build_worker.ts; the npm build ships it as
// `_worker.js`), by a literal URL that bundlers follow.
function workerUrl(given: string | URL | undefined): URL {
  if (given !== undefined) return new URL(moduleSpecifier(given));
  return new URL("./_worker_bundle.js", import.meta.url);
}

// Adapters already warned that they cannot stop a synchronous loop.
const warned = new WeakSet<WorkerAdapter>();

// Warns once per adapter that cannot stop a worker in a synchronous loop.
function warnUnstoppable(adapter: WorkerAdapter | undefined): void {
  if (!adapter || adapter.stopsSynchronousLoops !== false) return;
  if (warned.has(adapter)) return;
  warned.add(adapter);
  console.warn(
    `multipool: a '${adapter.name}' worker was terminated while running a task; ` +
      `this runtime cannot stop a thread in a synchronous loop, so it may keep ` +
      `a core busy until the process exits`,
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Runs chunks in workers; see src/_executor.ts for the contract. */
export class WorkerExecutor implements Executor<Prepared> {
  #host: ExecutorHost;
  #config: ExecutorConfig;
  #adapter: WorkerAdapter | undefined;
  #initRef: TaskRef | undefined;
  #ready: Promise<void>;
  #isReady = false;
  #refs: TaskRefs;
  #slots: Slot[] = [];
  #where = new Map<Chunk<Prepared>, Slot>();
  #backlog: Chunk<Prepared>[] = [];
  #draining = false;
  #ending = new Set<Promise<void>>();
  #stopped = false;
  /** Crashes in a row in which no chunk had started. */
  #fruitless = 0;
  #timers = new WorkerTimers();
  /** Running chunks whose task asked for its taskSignal(). */
  #cooperative = new WeakSet<Chunk<Prepared>>();
  /** Aborted chunks a worker still runs: their replies mean nothing. */
  #abandoned = new Set<Chunk<Prepared>>();
  /** Starting workers, and where a chunk goes meanwhile (src/_worker_starts.ts). */
  #starts: WorkerStarts;
  #url: URL;
  /** Claim chunks in shared memory (else by messages). */
  #shared = false;
  /** Idle workers take work from busy ones (src/_steal.ts). */
  #stealing = new Stealing({
    slots: () => this.#stopped || this.#backlog.length > 0 ? [] : this.#slots,
    post: (slot, chunk) => this.#post(slot, chunk),
    requeue: (chunk, from) => this.#requeue(chunk, from),
  });

  constructor(
    host: ExecutorHost,
    config: ExecutorConfig,
    adapter: WorkerAdapter | Promise<WorkerAdapter>,
  ) {
    this.#host = host;
    this.#config = config;
    this.#url = workerUrl(config.workerUrl);
    this.#refs = new TaskRefs(config.module);
    this.#starts = new WorkerStarts({
      slots: this.#slots,
      processes: config.processes,
      quick: config.initializer === undefined && config.module === undefined,
      waiting: () => this.#backlog.length,
      canStart: () => !this.#stopped && this.#isReady,
      start: () => {
        const slot = this.#spawn();
        this.#rest(slot);
        if (this.#backlog.length > 0) slot.hold();
      },
      failed: (error) =>
        this.#break(
          error,
          `a worker could not be started (${describe(error)})`,
        ),
    });
    const init = config.initializer;
    this.#ready = Promise.all([
      Promise.resolve(adapter).then((adapter) => {
        this.#adapter = adapter;
        this.#shared = (adapter.capabilities?.sharedMemory ?? true) &&
          sharedMemory();
      }),
      init === undefined
        ? undefined
        : Promise.resolve().then(() => this.#refs.resolve(init)).then(
          (ref) => (this.#initRef = ref),
          (error) => this.#break(error),
        ),
    ]).then(() => {
      this.#isReady = true;
      this.#starts.all();
    });
  }

  // A worker with nothing to do: unreferenced, and (once it has started)
  // retired after idleTimeout.
  #rest(slot: Slot): void {
    slot.idle();
    if (!slot.ready) return;
    this.#timers.idle(slot, this.#config.idleTimeout, () => {
      if (slot.inflight.size === 0) this.#stop(slot);
    });
  }

  workers(): { workers: number; busy: number } {
    let workers = 0;
    let busy = 0;
    for (const slot of this.#slots) {
      if (slot.dead) continue;
      workers++;
      if (slot.inflight.size > 0) busy++;
    }
    return {
      workers: workers + (this.#stopped ? 0 : this.#starts.wanted),
      busy,
    };
  }

  prepare(task: Task): Prepared | Promise<Prepared> {
    const prepared = this.#isReady
      ? this.#refs.prepare(task)
      : this.#ready.then(() => this.#refs.prepare(task));
    if (!(prepared instanceof Promise)) return prepared;
    // A module that cannot be imported breaks the pool, whoever finds out.
    return prepared.catch((error) => {
      const module = this.#refs.module;
      if (module?.failed) this.#break(error.cause, this.#unimportable());
      throw error;
    });
  }

  #unimportable(): string {
    const module = this.#refs.module!;
    return `its module '${module.specifier}' could not be imported${module.hint}`;
  }

  hasCapacity(): boolean {
    return !this.#stopped && this.#starts.hasRoom(this.#backlog.length);
  }

  run(chunk: Chunk<Prepared>): void {
    const slot = this.#starts.target();
    if (slot !== undefined) return this.#post(slot, chunk);
    this.#backlog.push(chunk);
    this.#starts.await();
  }

  // A chunk `from` gave back unstarted (work stealing) runs anywhere, like a
  // stopped worker's; `from` may take the chunks it no longer counts.
  #requeue(chunk: Chunk<Prepared>, from: Slot): void {
    this.#where.delete(chunk);
    this.#backlog.push(chunk);
    const max = this.#config.maxTasksPerChild;
    if (max !== undefined && !from.dead && from.chunks < max) from.live = true;
    this.#freed(from);
  }

  #post(slot: Slot, chunk: Chunk<Prepared>): void {
    this.#timers.busy(slot);
    this.#where.set(chunk, slot);
    slot.post(chunk);
    const max = this.#config.maxTasksPerChild;
    if (max !== undefined && slot.chunks >= max) slot.live = false;
  }

  // A chunk none of whose items could be sent fails, item by item.
  #unsent = (
    chunk: Chunk<Prepared>,
    errors: ReadonlyMap<number, unknown>,
  ): void => {
    this.#where.delete(chunk);
    this.#stealing.settle(chunk, new Array(chunk.items.length), errors);
  };

  #spawn(): Slot {
    const limits = this.#config.resourceLimits;
    const slot = new Slot(
      this.#adapter!.spawn(
        this.#url,
        limits === undefined ? undefined : { resourceLimits: limits },
      ),
      this.#unsent,
      this.#shared,
      // With maxTasksPerChild, only whole chunks move: its count holds.
      this.#config.maxTasksPerChild === undefined,
    );
    const { handle } = slot;
    handle.onMessage((message) => {
      const paired = slot.paired(message);
      if (paired !== undefined) this.#onMessage(slot, paired as ReplyMessage);
    });
    handle.onMessageError?.((error) => this.#unreadable(slot, error));
    handle.onError((error) => this.#errored(slot, error));
    handle.onExit((code) => this.#crash(slot, slot.error?.error, code));
    this.#slots.push(slot);
    return slot;
  }

  #onMessage(slot: Slot, message: ReplyMessage): void {
    switch (message[0]) {
      case RESULT:
      case FAILED: {
        this.#timers.answered(slot, message[1]);
        this.#starts.answered();
        const chunk = slot.answered(message[1]);
        if (chunk === undefined) return;
        this.#abandoned.delete(chunk);
        this.#where.delete(chunk);
        this.#fruitless = 0;
        this.#freed(slot);
        const sent = slot.sentItems(message[1], chunk);
        const [values, errors] = message[0] === FAILED
          ? [new Array(sent), everyItem(sent, fromWire(message[2]))]
          : [message[2], message[3] && errorsFromWire(message[3])];
        this.#stealing.settle(
          chunk,
          ...slot.restore(message[1], values, errors),
        );
        this.#stealing.balance();
        return;
      }
      case HELLO:
        try {
          slot.listening([
            this.#refs.module?.specifier,
            this.#initRef,
            this.#config.initArgs,
          ]);
        } catch (error) {
          this.#break(error);
        }
        this.#starts.booted(slot);
        return;
      case READY:
        // The first worker ready takes the work that waits.
        slot.ready = true;
        if (this.#backlog.length > 0) this.#drain();
        else this.#host.pump();
        if (slot.inflight.size === 0) this.#rest(slot);
        this.#stealing.balance();
        queueMicrotask(() => this.#starts.kick());
        return;
      case INIT_FAILED:
        this.#break(
          fromWire(message[1]),
          message[2] === "module" ? this.#unimportable() : undefined,
        );
        return;
      case PROGRESS:
        slot.inflight.get(message[1])?.hooks?.progress?.(message[2]);
        return;
      case ITEM_STARTED:
        this.#started(slot, message[1]);
        return;
      case SIGNAL_USED: {
        const chunk = slot.inflight.get(message[1]);
        if (chunk !== undefined) this.#cooperative.add(chunk);
        return;
      }
      case SKIPPED: {
        const chunk = slot.skipped(message[1]);
        if (chunk !== undefined) this.#requeue(chunk, slot);
        return;
      }
      case STARTED:
        if (slot.onStarted(message[1]) && !slot.dead) {
          // An aborted chunk had started after all: stop it with its worker.
          warnUnstoppable(this.#adapter);
          this.#stop(slot);
          this.#evacuate(slot);
        }
        return;
      case UNREADABLE: {
        const chunk = slot.unreadable(message[1]);
        if (chunk !== undefined) {
          this.#where.delete(chunk);
          this.#stealing.fail(
            chunk,
            cloneError(
              "the task's arguments to the worker",
              new Error("the worker could not read them back"),
            ),
          );
        }
        this.#replace(slot);
        return;
      }
      case EXIT:
        // A worker without exit events says it ends: that is its exit.
        if (message[2] !== undefined && !slot.error) {
          slot.error = { error: fromWire(message[2]), timer: undefined };
        }
        this.#crash(slot, slot.error?.error, message[1]);
    }
  }

  // A reply that could not be read (a messageerror): the worker answers in
  // order, so it was the reply to the oldest chunk in flight, which fails
  // alone; before the worker is ready, it was its start-up reply.
  #unreadable(slot: Slot, error: unknown): void {
    if (slot.dead) return;
    if (!slot.ready) {
      this.#break(
        cloneError("the worker's start-up reply to the pool", error),
      );
      return;
    }
    const seq = slot.oldest();
    const chunk = seq === undefined ? undefined : slot.answered(seq);
    if (chunk !== undefined) {
      this.#where.delete(chunk);
      this.#fruitless = 0;
      this.#stealing.fail(
        chunk,
        cloneError("the task's result from the worker", error),
      );
    }
    this.#replace(slot);
  }

  // After a message that could not be read, a channel may stop delivering
  // (Deno's ports do): replace the worker, and run its other chunks
  // elsewhere, again from the start if it had started one.
  #replace(slot: Slot): void {
    if (slot.dead) return;
    this.#stop(slot);
    this.#evacuate(slot);
  }

  // Aborts the taskSignal() of the chunk `seq` running on `slot`; unless it
  // answers within the grace, its worker is stopped (if `still()` holds).
  #abortRunning(
    slot: Slot,
    seq: number,
    reason: unknown,
    still: () => boolean,
  ): void {
    try {
      slot.handle.postMessage([ABORT, seq, toWire(reason)]);
    } catch {
      // The worker is ending: its exit takes the chunk off.
    }
    this.#timers.aborted(slot, seq, () => {
      if (slot.dead || !still()) return;
      warnUnstoppable(this.#adapter);
      this.#stop(slot);
      this.#starts.all();
      this.#evacuate(slot);
    });
  }

  // An item of chunk `seq` started: past the call's timeout, the chunk fails
  // with TimeoutError and the worker is replaced (a synchronous loop ends so).
  #started(slot: Slot, seq: number): void {
    const ms = slot.inflight.get(seq)?.hooks?.timeout;
    if (ms === undefined) return;
    this.#timers.started(slot, seq, ms, () => {
      const chunk = slot.inflight.get(seq);
      if (chunk === undefined || slot.dead) return;
      slot.inflight.delete(seq);
      this.#where.delete(chunk);
      this.#abandoned.delete(chunk);
      warnUnstoppable(this.#adapter);
      this.#stop(slot);
      this.#starts.all();
      this.#evacuate(slot);
      this.#stealing.fail(
        chunk,
        new TimeoutError(`Task timed out after ${ms} ms`),
      );
    });
  }

  // A chunk of `slot` is done: retire or unreference an idle worker, and
  // hand the freed place to chunks taken back from a stopped worker.
  #freed(slot: Slot): void {
    if (slot.inflight.size === 0 && !slot.dead) {
      if (!slot.live) this.#stop(slot);
      else this.#rest(slot);
    }
    if (this.#backlog.length > 0) this.#drain();
  }

  #stop(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    slot.live = false;
    this.#timers.ended(slot);
    this.#slots.splice(this.#slots.indexOf(slot), 1);
    const ended = slot.handle.terminate().catch(() => {});
    this.#ending.add(ended);
    ended.then(() => this.#ending.delete(ended));
  }

  // An uncaught error: the worker is ending. Wait for its exit, before which
  // Node delivers the replies the worker sent first (else a chunk that had
  // finished would count as crashed), but not forever.
  #errored(slot: Slot, error: unknown): void {
    if (slot.dead || slot.error) return;
    slot.error = {
      error,
      timer: setTimeout(() => this.#crash(slot, error), 1000),
    };
  }

  // The worker ended without being asked: fail what it started, run the rest elsewhere.
  #crash(slot: Slot, error: unknown, code?: number): void {
    if (slot.error) clearTimeout(slot.error.timer);
    if (slot.dead) return;
    this.#stop(slot);
    if (this.#stopped) return;
    const how = slot.error
      ? `crashed (${describe(error)})`
      : `exited with code ${code}`;
    if (!slot.ready) {
      this.#break(
        new WorkerCrashedError(`Worker ${how} before it was ready`, {
          cause: error,
        }),
        `a worker ${how} before it was ready`,
      );
      return;
    }
    const crash = new WorkerCrashedError(
      `Worker ${how} while running a task`,
      slot.error ? { cause: error } : undefined,
    );
    this.#evacuate(slot, crash);
  }

  // Takes every chunk off a stopped worker: those it started fail with
  // `crash` (if given), the others go back to the backlog.
  #evacuate(slot: Slot, crash?: WorkerCrashedError): void {
    const failed: Chunk<Prepared>[] = [];
    // Workers that keep crashing before they start anything: fail it all
    // rather than respawn forever.
    const hopeless = crash !== undefined && ++this.#fruitless >= 3;
    for (const [seq, chunk] of slot.inflight) {
      this.#where.delete(chunk);
      // An aborted chunk that was still running is dropped.
      if (this.#abandoned.delete(chunk)) continue;
      if (crash && (hopeless || slot.started(seq))) {
        failed.push(chunk);
      } else this.#backlog.push(chunk);
    }
    if (failed.length > 0) this.#fruitless = 0;
    slot.inflight.clear();
    if (this.#backlog.length > 0) this.#drain();
    for (const chunk of failed) this.#stealing.fail(chunk, crash);
    this.#host.pump();
  }

  // Re-posts taken-back chunks, a microtask later so that the cancels of
  // one aborted call, which come together, drop them first.
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    queueMicrotask(() => {
      this.#draining = false;
      while (this.#backlog.length > 0 && this.#starts.target() !== undefined) {
        this.run(this.#backlog.shift()!);
      }
      if (this.#backlog.length > 0) this.#starts.await();
      else {
        // Nothing waits for the workers still starting.
        for (const slot of this.#slots) {
          if (slot.live && !slot.ready && slot.inflight.size === 0) slot.idle();
        }
      }
      this.#host.pump();
    });
  }

  /**
   * Takes back a chunk given to `run` that no worker has started (it may
   * wait in a worker's pipeline): true if it was taken back, and then it is
   * never settled. For the core's `imap` `return()`, which drops only chunks
   * that have not started.
   */
  withdraw(chunk: Chunk<Prepared>): boolean {
    const index = this.#backlog.indexOf(chunk);
    if (index >= 0) {
      this.#backlog.splice(index, 1);
      return true;
    }
    const slot = this.#where.get(chunk);
    if (slot === undefined) return false;
    if (!slot.takeBack(slot.seqOf(chunk))) return false;
    this.#where.delete(chunk);
    this.#freed(slot);
    queueMicrotask(() => this.#host.pump());
    return true;
  }

  cancel(chunk: Chunk<Prepared>, reason?: unknown): void {
    for (const part of this.#stealing.parts(chunk)) this.cancel(part, reason);
    const index = this.#backlog.indexOf(chunk);
    if (index >= 0) {
      this.#backlog.splice(index, 1);
      this.#host.pump();
      return;
    }
    const slot = this.#where.get(chunk);
    if (slot === undefined) return;
    const seq = slot.seqOf(chunk);
    const waiting = slot.takeBack(seq, true);
    if (waiting || slot.passed(seq)) {
      // Not started (the worker will skip it), or done (its reply is dropped).
      this.#where.delete(chunk);
      slot.inflight.delete(seq);
      this.#freed(slot);
    } else if (this.#cooperative.has(chunk)) {
      // Running, and its task holds its taskSignal(): abort that, and give
      // the task a grace to end by itself before its worker is stopped.
      this.#abandoned.add(chunk);
      this.#abortRunning(slot, seq, reason, () => slot.inflight.has(seq));
    } else {
      // Running, deaf to aborts: stop the worker (a synchronous loop stops
      // only so).
      this.#where.delete(chunk);
      slot.inflight.delete(seq);
      warnUnstoppable(this.#adapter);
      this.#stop(slot);
      this.#starts.all();
      this.#evacuate(slot);
    }
    this.#host.pump();
  }

  #break(cause: unknown, why?: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#starts.cancel();
    this.#stealing.clear();
    for (const slot of [...this.#slots]) this.#stop(slot);
    this.#backlog = [];
    this.#where.clear();
    this.#host.broken(cause, why);
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#starts.cancel();
    this.#stealing.clear();
    for (const slot of [...this.#slots]) this.#stop(slot);
    await Promise.all(this.#ending);
  }

  terminate(): Promise<void> {
    const running = this.#slots.some((slot) =>
      [...slot.inflight.keys()].some((seq) => slot.started(seq))
    );
    if (running) warnUnstoppable(this.#adapter);
    this.#backlog = [];
    this.#where.clear();
    return this.shutdown();
  }
}
