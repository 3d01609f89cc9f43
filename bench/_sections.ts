// Builds the report's sections (tables and charts) and judges the issue's
// targets from one run's measurements.
import type { Measured } from "./_harness.ts";
import type { PythonResults } from "./_python.ts";
import {
  type Bar,
  megabytes,
  millis,
  rate,
  type Section,
  times,
} from "./_report.ts";
import { FIRST_MAP } from "./_headline.ts";
import type { Shape } from "./_shapes.ts";
import { startupName, type StartupRow } from "./_startup.ts";
import { shapeEfficiency } from "./_targets.ts";
import {
  APPLY_AWAITED,
  CHUNKS_POSTED,
  type MemoryPoint,
  ONE_POSTED,
  PING_PONG_ONE,
  type Sizes,
} from "./_workloads.ts";

type MemoryResult = {
  gc: boolean;
  before: { heapUsed: number; rss: number };
  points: MemoryPoint[];
};

/** Everything one run measured. */
export interface Measurements {
  sizes: Sizes;
  python?: PythonResults;
  tiny?: Measured[];
  cpu?: Measured[];
  threads?: Measured[];
  memory?: { Pool?: MemoryResult; ThreadPool?: MemoryResult };
  startup?: Measured[];
  /** The uneven CPU shapes: `Pool.map` and the bare floor of each. */
  shapes?: Measured[];
  shapeList?: Shape[];
  /** Start-up of Pool(1, 2, 4) from the sources and the package, and bare workers. */
  startupN?: StartupRow[];
  /** A smoke run: sizes too small to judge, so nothing is marked met. */
  smoke?: boolean;
}

const ROLE: Record<Measured["kind"], string> = {
  ours: "multipool",
  floor: "raw floor",
  peer: "JS peer",
  python: "CPython",
  baseline: "baseline",
};

const perSec = (
  r: Measured | undefined,
): number => (r && r.ms > 0 ? (r.n / r.ms) * 1000 : NaN);

function py(m: Measurements, key: string, name: string): Measured | undefined {
  const t = m.python?.results[key] as
    | { n: number; ms: number; min?: number; samples: number }
    | undefined;
  return t
    ? {
      name,
      kind: "python",
      n: t.n,
      ms: t.ms,
      min: t.min ?? t.ms,
      samples: t.samples,
    }
    : undefined;
}

function pick(rows: Measured[] | undefined, ...names: string[]): Measured[] {
  return names.map((n) => rows?.find((r) => r.name === n)).filter((
    r,
  ): r is Measured => !!r);
}

function throughputSection(
  id: string,
  title: string,
  description: string,
  rows: Measured[],
  ours: string,
): Section {
  const ref = perSec(rows.find((r) => r.name === ours));
  const cells = rows.map((r) => [
    r.name,
    ROLE[r.kind],
    String(r.n),
    r.error ? `failed: ${r.error}` : millis(r.ms),
    rate(perSec(r)),
    r.name === ours ? "1.00× (ref)" : times(ref / perSec(r)),
  ]);
  const bars: Bar[] = rows.filter((r) => !r.error).map((r) => ({
    label: r.name,
    kind: r.kind,
    value: perSec(r),
    text: rate(perSec(r)),
  }));
  return {
    id,
    title,
    description,
    header: [
      "contender",
      "role",
      "items/run",
      "steady state (median)",
      "tasks/s",
      "ours ÷ this",
    ],
    rows: cells,
    chart: { unit: "tasks per second, higher is better", log: true, bars },
  };
}

/** The report's sections, in order. */
export function buildSections(m: Measurements): Section[] {
  const s = m.sizes;
  const sections: Section[] = [];
  const peers = (rows: Measured[] | undefined): Measured[] =>
    (rows ?? []).filter((r) => r.kind === "peer");
  if (m.tiny) {
    const rows = [
      ...pick(
        m.tiny,
        "Pool.map (default chunking)",
        CHUNKS_POSTED,
        "raw Worker, 100 per message",
        "raw Worker, 1 per message, 16 in flight",
      ),
      ...peers(m.tiny),
      ...[
        py(m, "Pool.map", "CPython Pool.map"),
        py(m, "ThreadPool.map", "CPython ThreadPool.map"),
      ].filter((r) => !!r),
    ];
    sections.push(throughputSection(
      "tiny",
      `${s.tiny.toLocaleString("en-US")} tiny tasks, ${s.processes} workers`,
      "`x => x * x` over 0..n-1, each contender its best way: multipool's `Pool.map` with its default chunking " +
        "(`ceil(n / (4 × processes))`), the peers one `run`/`exec` per item (none of them batches), all submitted at once. " +
        "Raw floors: bare workers, no pool; the floor of the target posts the same chunks as `Pool.map`, pre-built, all at once, " +
        "and assembles the result. One-per-message contenders run fewer items per iteration (see items/run); compare rates. " +
        "Every row is the steady state (a started, warm pool); a fresh pool's first call is in the start-up table.",
      rows,
      "Pool.map (default chunking)",
    ));
    const perMessage = [
      ...pick(
        m.tiny,
        "Pool.map chunkSize 1",
        ONE_POSTED,
        "Pool.imap chunkSize 1",
        "Pool.apply, all submitted at once",
        APPLY_AWAITED,
        PING_PONG_ONE,
        "raw Worker, 1 per message, ping-pong",
        "raw Worker, 1 per message, 16 in flight",
      ),
      ...peers(m.tiny),
      ...[
        py(m, "Pool.map chunksize=1", "CPython Pool.map chunksize=1"),
        py(m, "Pool.imap chunksize=1", "CPython Pool.imap chunksize=1"),
      ].filter((r) => !!r),
    ];
    sections.push(throughputSection(
      "per_message",
      `One task per message, ${s.processes} workers`,
      "The same tiny task with one item per message: the cost of dispatching one task. " +
        "`Pool.map` chunkSize 1 submits every task at once, as the peers do; `Pool.imap` is a lazy stream " +
        "held to its default `bufferSize` (2 × processes chunks), so the round trip bounds it. " +
        `\`${APPLY_AWAITED}\` makes one call at a time (its floor: \`${PING_PONG_ONE}\`); ` +
        `\`Pool.map\` chunkSize 1's floor is \`${ONE_POSTED}\`.`,
      perMessage,
      "Pool.map chunkSize 1",
    ));
  }
  if (m.cpu) {
    const js1 = m.cpu.find((r) => r.kind === "baseline");
    const py1 = py(m, "fib one thread", "CPython one thread");
    const pyPool = py(m, "Pool.map fib", "CPython Pool.map");
    const rows = [...m.cpu, ...[py1, pyPool].filter((r) => !!r)];
    const ours = m.cpu.find((r) => r.name === "Pool.map");
    const speedup = (r: Measured): number =>
      ((r.kind === "python" ? py1?.ms : js1?.ms) ?? NaN) / r.ms;
    const bestSpeedup = (r: Measured): number =>
      ((r.kind === "python" ? py1?.min : js1?.min) ?? NaN) / r.min;
    sections.push({
      id: "cpu",
      title:
        `CPU-bound: ${s.fibCount} × fib(${s.fibN}), ${s.processes} workers`,
      description:
        "Speed-up over one thread of the same runtime (CPython rows: over one CPython thread), from the medians " +
        "and from the fastest runs (on a shared machine the fastest runs are the least disturbed)." +
        (m.python?.fibShift
          ? ` CPython runs fib(${
            s.fibN - m.python.fibShift
          }): the same speed-up with tasks about as long as this runtime's fib(${s.fibN}).`
          : ""),
      header: [
        "contender",
        "median",
        "speed-up vs one thread",
        "best-run speed-up",
        "ours ÷ this",
      ],
      rows: rows.map((
        r,
      ) => [
        r.name,
        r.error ? `failed: ${r.error}` : millis(r.ms),
        times(speedup(r)),
        times(bestSpeedup(r)),
        r.kind === "python" && m.python?.fibShift
          ? "– (smaller n)"
          : times(r.ms / (ours?.ms ?? NaN)),
      ]),
      chart: {
        unit: "speed-up over one thread, higher is better",
        log: false,
        bars: rows.filter((r) => !r.error).map((r) => ({
          label: r.name,
          kind: r.kind,
          value: speedup(r),
          text: times(speedup(r)),
        })),
      },
    });
  }
  if (m.shapes && m.shapeList) sections.push(shapesSection(m));
  if (m.threads) {
    const rows = [
      ...m.threads,
      ...[py(m, "ThreadPool.map", "CPython ThreadPool.map (sync fn)")].filter((
        r,
      ) => !!r),
    ];
    sections.push(throughputSection(
      "threads",
      `In-process: ${
        s.tiny.toLocaleString("en-US")
      } tiny async tasks, ${s.processes} at a time`,
      "`async x => x * x` on the caller's event loop: `ThreadPool.map` against concurrency limiters.",
      rows,
      "ThreadPool.map (async fn)",
    ));
  }
  if (m.memory) sections.push(memorySection(m));
  if (m.startup) {
    const rows = [
      ...m.startup,
      ...[py(m, "Pool start-up", "CPython Pool")].filter((r) => !!r),
    ];
    const ours = rows.find((r) => r.name === "Pool");
    sections.push({
      id: "startup",
      title: `Start-up to first result, ${s.processes} workers`,
      description:
        "A fresh pool per sample: create it, run one tiny task, await its result (shutting down is not timed). " +
        `\`${FIRST_MAP}\` is the **first call** of the tiny workload on a fresh pool (start-up included).`,
      header: ["contender", "median", "ours ÷ this"],
      rows: rows.map((
        r,
      ) => [
        r.name,
        r.error ? `failed: ${r.error}` : millis(r.ms),
        r === ours ? "1.00× (ref)" : times(r.ms / (ours?.ms ?? NaN)),
      ]),
      chart: {
        unit: "milliseconds, lower is better",
        log: false,
        bars: rows.filter((r) => !r.error).map((r) => ({
          label: r.name,
          kind: r.kind,
          value: r.ms,
          text: millis(r.ms),
        })),
      },
    });
  }
  if (m.startupN) sections.push(startupSection(m));
  return sections;
}

function shapesSection(m: Measurements): Section {
  const shapes = m.shapeList!;
  const py = m.python?.cpuShapes;
  const rows: string[][] = [];
  const bars: Bar[] = [];
  for (const shape of shapes) {
    const e = shapeEfficiency(m, shape);
    const p = py?.shapes[shape.id];
    rows.push([
      shape.label,
      e.pool ? millis(e.pool.ms) : `failed: ${shapeError(m, shape)}`,
      e.floor ? millis(e.floor.ms) : "–",
      times(e.ours),
      times(e.oursFirst),
      p ? `${times(e.python)} (${millis(p.pool)} / ${millis(p.floor)})` : "–",
      `≥ ${times(shape.goal)}, ≥ CPython`,
      m.smoke
        ? "n/a (smoke)"
        : e.ours >= shape.goal && !(e.ours < e.python)
        ? "met"
        : "NOT MET",
    ]);
    bars.push({
      label: `${shape.id}, multipool`,
      kind: "ours",
      value: e.ours,
      text: times(e.ours),
    }, {
      label: `${shape.id}, CPython`,
      kind: "python",
      value: e.python,
      text: times(e.python),
    });
  }
  return {
    id: "shapes",
    title: `Uneven CPU work: efficiency of Pool(${m.sizes.processes}).map`,
    description:
      "Efficiency = the floor's time ÷ the pool's, on the same list of fib(n) tasks. The floor: " +
      `${m.sizes.processes} bare workers pulling one task at a time from one shared queue (the ideal balance, one ` +
      "round trip per task). `Pool.map` uses its default chunking (CPython's `ceil(n / (4 × processes))`) on a started pool; " +
      "the steady state is the median of interleaved rounds (pool, floor, pool, floor, ...), the first call is each " +
      "shape's first run on that pool (not judged). CPython's efficiency is measured the same way: its `Pool(2).map` " +
      "(default chunksize) against two bare `Process`es pulling one task at a time from one `SimpleQueue`" +
      (py
        ? `, with every fib argument lowered by ${py.shift} so that its tasks last about as long as this runtime's ` +
          "(same shape, same task durations)."
        : "."),
    header: [
      "shape",
      "Pool.map (steady)",
      "bare floor (steady)",
      "efficiency",
      "first-call efficiency",
      "CPython efficiency (pool / floor)",
      "target",
      "met",
    ],
    rows,
    chart: {
      unit: "efficiency against the bare floor, higher is better",
      log: false,
      bars,
    },
  };
}

function shapeError(m: Measurements, shape: Shape): string {
  return m.shapes?.find((r) => r.name.endsWith(`, ${shape.id}`) && r.error)
    ?.error ?? "not measured";
}

function startupSection(m: Measurements): Section {
  const rows = m.startupN!;
  const bare = (n: number): StartupRow | undefined =>
    rows.find((r) => r.name === startupName("bare", n) && !r.error);
  return {
    id: "startup_n",
    title: "Start-up: to the first result and until every worker answered",
    description:
      "A fresh pool per sample: `new Pool(n)` to the first result of `imapUnordered` over tiny tasks (one per chunk), " +
      "and until results from all n workers arrived (each task returns its worker's identity). The library is imported " +
      "from the TypeScript sources (`mod.ts`) or from the built package (`npm/esm/mod.js`, `npm run build`); the task " +
      "module is plain JavaScript for both. Floor: bare workers running a plain `.mjs` that posts one message on start " +
      "(one bare worker for the first result, n for all). Everything runs in this process, so the main thread's module " +
      "cache is warm for both sides (each contender runs one untimed sample first); each worker is a new isolate that " +
      "loads its modules. Medians of interleaved rounds. Targets: first ≤ 1.2× one bare worker, all ≤ 1.3× n bare workers.",
    header: [
      "contender",
      "first result",
      "all answered",
      "first ÷ 1 bare",
      "all ÷ n bare",
      "samples",
    ],
    rows: rows.map((r) => [
      r.name,
      r.error ? `failed: ${r.error}` : millis(r.first),
      millis(r.all),
      r.kind === "floor" ? "(floor)" : times(r.first / (bare(1)?.first ?? NaN)),
      r.kind === "floor"
        ? "(floor)"
        : times(r.all / (bare(r.workers)?.all ?? NaN)),
      String(r.samples),
    ]),
    chart: {
      unit: "ms until all workers answered, lower is better",
      log: false,
      bars: rows.filter((r) => !r.error).map((r) => ({
        label: r.name,
        kind: r.kind,
        value: r.all,
        text: millis(r.all),
      })),
    },
  };
}

const mostAhead = (points: Array<{ readAhead: number }>): number =>
  Math.max(...points.map((p) => p.readAhead));

function memorySection(m: Measurements): Section {
  const s = m.sizes;
  const cps = s.checkpoints;
  const header = [
    "contender",
    ...cps.map((k) => `at ${k.toLocaleString("en-US")}`),
    "peak growth",
    "most read ahead",
  ];
  const rows: string[][] = [];
  const bars: Bar[] = [];
  for (const kind of ["Pool", "ThreadPool"] as const) {
    const r = m.memory![kind];
    if (!r?.points.length) {
      rows.push([
        `${kind}.imap: failed (see the log)`,
        ...cps.map(() => "–"),
        "–",
        "–",
      ]);
      continue;
    }
    const pts = r.points;
    rows.push([
      `${kind}.imap, heap used${r.gc ? " after GC" : " (no GC available)"}`,
      ...pts.map((p) => megabytes(p.heapUsed)),
      megabytes(Math.max(...pts.map((p) => p.heapUsed)) - pts[0].heapUsed),
      String(mostAhead(pts)),
    ]);
    rows.push([
      `${kind}.imap, RSS`,
      ...pts.map((p) => megabytes(p.rss)),
      megabytes(Math.max(...pts.map((p) => p.rss)) - pts[0].rss),
      "",
    ]);
    bars.push({
      label: `${kind}.imap`,
      kind: "ours",
      value: Math.max(mostAhead(pts), 1),
      text: `${mostAhead(pts)} items`,
    });
  }
  const pyPts = m.python?.results["Pool.imap memory"];
  if (pyPts?.length) {
    rows.push([
      "CPython Pool.imap, RSS",
      ...pyPts.map((p) => megabytes(p.rss)),
      megabytes(Math.max(...pyPts.map((p) => p.rss)) - pyPts[0].rss),
      String(mostAhead(pyPts)),
    ]);
    bars.push({
      label: "CPython Pool.imap",
      kind: "python",
      value: Math.max(mostAhead(pyPts), 1),
      text: `${mostAhead(pyPts)} items`,
    });
  }
  return {
    id: "memory",
    title: `imap over an endless generator, ${
      s.memory.toLocaleString("en-US")
    } results`,
    description:
      `\`imap(square, endless(), { chunkSize: ${s.memoryChunk} })\` consumed by a \`for await\` loop; memory at each ` +
      `checkpoint and how many items the pool had read from the generator beyond those yielded. The consumer pauses ` +
      `${s.pauseMs} ms after the first checkpoint (a slow consumer).`,
    header,
    rows,
    chart: {
      unit: "most items read ahead of the consumer, lower is better",
      log: false,
      bars,
    },
    notes: [
      "multipool reads at most `bufferSize` (default 2 × processes) chunks ahead of the consumer; CPython's task handler keeps reading while its workers keep up, so while the consumer pauses, results pile up in memory.",
    ],
  };
}
