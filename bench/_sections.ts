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
  type Target,
  times,
} from "./_report.ts";
import type { MemoryPoint, Sizes } from "./_workloads.ts";

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
}

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
    header: ["contender", "items/run", "median", "tasks/s", "ours ÷ this"],
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
        "Raw floors: bare workers, no pool. One-per-message contenders run fewer items per iteration (see items/run); compare rates.",
      rows,
      "Pool.map (default chunking)",
    ));
    const perMessage = [
      ...pick(
        m.tiny,
        "Pool.map chunkSize 1",
        "Pool.imap chunkSize 1",
        "Pool.apply in a loop",
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
        "held to its default `bufferSize` (2 × processes chunks), so the round trip bounds it.",
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
        "and from the fastest runs (on a shared machine the fastest runs are the least disturbed).",
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
        times(r.ms / (ours?.ms ?? NaN)),
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
        "Create the pool, run one tiny task, await its result (shutting down is not timed).",
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
  return sections;
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

function target(
  text: string,
  ratio: number,
  goal: number,
  detail: string,
): Target {
  return {
    text,
    measured: `${times(ratio)}${detail ? `; ${detail}` : ""}`,
    met: Number.isFinite(ratio) ? ratio >= goal : undefined,
  };
}

/** The issue's targets, judged on this run. */
export function buildTargets(m: Measurements): Target[] {
  const t: Target[] = [];
  const find = (
    rows: Measured[] | undefined,
    name: string,
  ): Measured | undefined => rows?.find((r) => r.name === name && !r.error);
  if (m.tiny) {
    const ours = perSec(find(m.tiny, "Pool.map (default chunking)"));
    t.push(
      target(
        "Pool.map of 100k tiny tasks ≥ 1.0× CPython's Pool.map",
        ours / perSec(py(m, "Pool.map", "")),
        1,
        `${rate(ours)} vs ${rate(perSec(py(m, "Pool.map", "")))}`,
      ),
    );
    t.push(
      target(
        "Pool.map of 100k tiny tasks ≥ 50× piscina",
        ours / perSec(find(m.tiny, "piscina, run per item")),
        50,
        "",
      ),
    );
    t.push(
      target(
        "Pool.map of 100k tiny tasks ≥ 50% of the batched raw floor (100 per message)",
        ours / perSec(find(m.tiny, "raw Worker, 100 per message")),
        0.5,
        "",
      ),
    );
    // Like for like: the peers submit every task at once, as Pool.map with
    // chunkSize 1 does, and CPython's row is its map(chunksize=1). imap is
    // shown beside it: a lazy stream held to 2 × processes chunks in flight
    // (its default bufferSize), so it is bound by the round trip.
    const ours1 = perSec(find(m.tiny, "Pool.map chunkSize 1"));
    const peerRates = m.tiny.filter((r) => r.kind === "peer" && !r.error);
    const best = peerRates.reduce<Measured | undefined>(
      (a, r) => (!a || perSec(r) > perSec(a) ? r : a),
      undefined,
    );
    const modes = (base: number): string =>
      ["Pool.imap chunkSize 1", "Pool.apply in a loop"].map((n) =>
        `${n} ${times(perSec(find(m.tiny, n)) / base)}`
      ).join(", ");
    t.push(
      target(
        "one task per message (Pool.map chunkSize 1) ≥ 1.5× the fastest JS peer",
        ours1 / perSec(best),
        1.5,
        `fastest peer ${best?.name ?? "–"} ${rate(perSec(best))}; ${
          modes(perSec(best))
        }`,
      ),
    );
    const pyMap1 = perSec(py(m, "Pool.map chunksize=1", ""));
    t.push(
      target(
        "one task per message (Pool.map chunkSize 1) ≥ 2× CPython's Pool.map chunksize=1",
        ours1 / pyMap1,
        2,
        `${rate(ours1)} vs ${rate(pyMap1)}; ${modes(pyMap1)}`,
      ),
    );
  }
  if (m.cpu) {
    const one = find(m.cpu, "one thread (plain loop)"),
      pool = find(m.cpu, "Pool.map"),
      raw = find(m.cpu, "raw Worker, 1 per message (no pool)");
    t.push(
      target(
        `CPU speed-up on ${m.sizes.processes} workers ≥ 1.9×`,
        (one?.ms ?? NaN) / (pool?.ms ?? NaN),
        1.9,
        `${millis(one?.ms ?? NaN)} → ${millis(pool?.ms ?? NaN)}; fastest runs ${
          times((one?.min ?? NaN) / (pool?.min ?? NaN))
        }; bare workers with no pool reach ${
          times((one?.ms ?? NaN) / (raw?.ms ?? NaN))
        } on this machine`,
      ),
    );
  }
  if (m.threads) {
    const ours = perSec(find(m.threads, "ThreadPool.map (async fn)"));
    const oursSync = perSec(find(m.threads, "ThreadPool.map (sync fn)"));
    const pyTp = perSec(py(m, "ThreadPool.map", ""));
    // Like for like: CPython's ThreadPool.map runs the same synchronous x * x.
    t.push(
      target(
        "ThreadPool.map (sync fn, like CPython's) ≥ 1.0× CPython's ThreadPool.map",
        oursSync / pyTp,
        1,
        `${rate(oursSync)} vs ${rate(pyTp)}; with an async fn ${
          times(ours / pyTp)
        }`,
      ),
    );
    const pmap = perSec(m.threads.find((r) => r.name.startsWith("p-map")));
    t.push(
      target(
        "ThreadPool.map (async fn) ≥ 1.0× p-map",
        ours / pmap,
        1,
        `${rate(ours)} vs ${rate(pmap)}`,
      ),
    );
  }
  return t;
}
