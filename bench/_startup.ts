// Start-up: time from `new Pool(n)` to the first result, and until all n
// workers have answered, for n = 1, 2, 4, with the library imported from the
// TypeScript sources and from the built package (npm/, `npm run build`),
// against bare workers (a plain .mjs worker that posts one message as soon as
// it runs). Every sample is a fresh pool (or fresh bare workers) in this
// process: the main thread's module cache is warm for both sides (both copies
// of the library are imported before the first sample, and every contender
// runs one untimed sample first), while every worker is a new isolate that
// loads its own modules, as in a fresh process.
import { existsSync } from "node:fs";
import { type Kind, median, progress, withTimeout } from "./_harness.ts";
import { runtime } from "./_runtime.ts";
import { Pool as SourcePool } from "../mod.ts";

const HELLO_TASKS = new URL("./_startup_tasks.mjs", import.meta.url);
const HELLO_WORKER = new URL("./_hello_worker.mjs", import.meta.url);
const PACKAGE = new URL("../npm/esm/mod.js", import.meta.url);

/** The worker counts measured. */
export const STARTUP_WORKERS = [1, 2, 4] as const;

/** One sample: ms to the first result and until every worker answered. */
export interface StartupSample {
  first: number;
  all: number;
}

/** One contender's medians (NaN and `error` if it failed). */
export interface StartupRow {
  name: string;
  kind: Kind;
  /** "sources", "package" or "bare". */
  from: "sources" | "package" | "bare";
  workers: number;
  first: number;
  all: number;
  samples: number;
  error?: string;
}

type PoolClass = typeof SourcePool;

/** The row name of a contender. */
export function startupName(
  from: StartupRow["from"],
  workers: number,
): string {
  return from === "bare"
    ? `bare Worker × ${workers}`
    : `Pool(${workers}) from the ${from}`;
}

/** Yields 0 (answer at once) `n` times, then 1 (sleep 1 ms first) forever. */
function* hellos(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield 0;
  for (;;) yield 1;
}

/**
 * A fresh pool: the first result of `imapUnordered` over an endless stream of
 * tiny tasks (one per chunk), and the moment results from n distinct workers
 * have arrived (each task returns its worker's identity; after the first n,
 * tasks sleep 1 ms so a started worker does not flood the main thread while
 * the others boot).
 */
async function poolSample(
  Pool: PoolClass,
  workers: number,
): Promise<StartupSample> {
  const start = performance.now();
  const pool = new Pool({ processes: workers, module: HELLO_TASKS });
  let first = NaN;
  const seen = new Set<unknown>();
  try {
    for await (
      const id of pool.imapUnordered("hello", hellos(workers), {
        chunkSize: 1,
      })
    ) {
      if (Number.isNaN(first)) first = performance.now() - start;
      seen.add(id);
      if (seen.size === workers) break;
    }
    return { first, all: performance.now() - start };
  } finally {
    // Untimed. Let the few tasks in flight finish rather than terminating
    // workers mid-task (Deno warns that it cannot stop a running thread).
    pool.close();
    await pool.join();
  }
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
type NodeWorker = typeof import("node:worker_threads").Worker;
let NodeWorkerClass: NodeWorker | undefined;

/**
 * Fresh bare workers: the first "ready" message, and the n-th. Web Workers on
 * Deno and Bun, worker_threads on Node; each gets its listener in the same
 * turn as its constructor.
 */
async function bareSample(workers: number): Promise<StartupSample> {
  if (runtime === "node") {
    NodeWorkerClass ??= (await import("node:worker_threads")).Worker;
  }
  let first = NaN;
  let left = workers;
  let done!: () => void;
  const answered = new Promise<void>((resolve) => (done = resolve));
  const stops: Array<() => unknown> = [];
  const start = performance.now();
  const ready = (): void => {
    if (Number.isNaN(first)) first = performance.now() - start;
    if (--left === 0) done();
  };
  for (let i = 0; i < workers; i++) {
    if (runtime === "node") {
      const w = new NodeWorkerClass!(HELLO_WORKER);
      w.on("message", ready);
      stops.push(() => w.terminate());
    } else {
      const w = new g.Worker(HELLO_WORKER.href, { type: "module" });
      w.onmessage = ready;
      stops.push(() => w.terminate());
    }
  }
  try {
    await answered;
    return { first, all: performance.now() - start };
  } finally {
    await Promise.all(stops.map((stop) => stop()));
  }
}

/** Whether the built package exists (`npm run build`). */
export function packageBuilt(): boolean {
  return existsSync(decodeURIComponent(PACKAGE.pathname));
}

/**
 * Measure every contender in `rounds` interleaved rounds (the order rotates
 * each round), after one untimed sample each (unless `warmUp` is false: the
 * smoke run). Without a built package its rows are left out, with a note.
 */
export async function measureStartup(
  rounds: number,
  timeout: number,
  warmUp = true,
): Promise<StartupRow[]> {
  let PackagePool: PoolClass | undefined;
  if (packageBuilt()) {
    PackagePool = (await import(PACKAGE.href)).Pool as PoolClass;
  } else {
    progress(
      "  [startup] note: npm/ is not built (npm run build): package rows left out",
    );
  }
  interface Entry {
    row: StartupRow;
    sample: () => Promise<StartupSample>;
    firsts: number[];
    alls: number[];
  }
  const entries: Entry[] = [];
  const add = (
    from: StartupRow["from"],
    workers: number,
    sample: () => Promise<StartupSample>,
  ): void => {
    entries.push({
      row: {
        name: startupName(from, workers),
        kind: from === "bare" ? "floor" : "ours",
        from,
        workers,
        first: NaN,
        all: NaN,
        samples: 0,
      },
      sample,
      firsts: [],
      alls: [],
    });
  };
  for (const n of STARTUP_WORKERS) {
    add("sources", n, () => poolSample(SourcePool, n));
    if (PackagePool) add("package", n, () => poolSample(PackagePool!, n));
    add("bare", n, () => bareSample(n));
  }
  const run = async (e: Entry, keep: boolean): Promise<void> => {
    if (e.row.error) return;
    try {
      const s = await withTimeout(e.sample(), timeout, e.row.name);
      if (keep) {
        e.firsts.push(s.first);
        e.alls.push(s.all);
      }
    } catch (error) {
      e.row.error = error instanceof Error ? error.message : String(error);
      progress(`  [startup] FAILED ${e.row.name}: ${e.row.error}`);
    }
  };
  if (warmUp) {
    progress("  [startup] one untimed sample each");
    for (const e of entries) await run(e, false);
  }
  for (let round = 0; round < rounds; round++) {
    progress(`  [startup] round ${round + 1}/${rounds}`);
    const k = round % entries.length;
    for (const e of entries.slice(k).concat(entries.slice(0, k))) {
      await run(e, true);
    }
  }
  return entries.map((e) => ({
    ...e.row,
    first: e.row.error ? NaN : median(e.firsts),
    all: e.row.error ? NaN : median(e.alls),
    samples: e.firsts.length,
  }));
}
