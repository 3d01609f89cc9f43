// The issue's targets, judged on one run's measurements. Each says what is
// measured (first call, steady state or start-up), against what, the ratio,
// the goal and whether it was met. Reported, never asserted.
import type { Measured } from "./_harness.ts";
import { FIRST_MAP } from "./_headline.ts";
import { millis, rate, type Target, times } from "./_report.ts";
import { runtime } from "./_runtime.ts";
import type { Measurements } from "./_sections.ts";
import { type Shape, shapeNames } from "./_shapes.ts";
import { STARTUP_WORKERS, startupName } from "./_startup.ts";
import {
  APPLY_AWAITED,
  CHUNKS_POSTED,
  ONE_POSTED,
  PING_PONG_ONE,
  TP_CHUNK_1,
} from "./_workloads.ts";

/** Steady-state `Pool.map` of the tiny tasks against CPython's, per runtime. */
const TINY_VS_CPYTHON: Record<string, number> = {
  node: 1.5,
  deno: 1.3,
  bun: 8,
};

type Goal = { atLeast: number } | { atMost: number };

function judge(
  t: Omit<Target, "met" | "goal">,
  goal: Goal,
  time = false,
): Target {
  const ok = Number.isFinite(t.ratio);
  const met = !ok
    ? undefined
    : "atLeast" in goal
    ? t.ratio >= goal.atLeast
    : t.ratio <= goal.atMost;
  const g = "atLeast" in goal
    ? `≥ ${times(goal.atLeast)}`
    : `≤ ${times(goal.atMost)}`;
  return { ...t, goal: time ? `${g} (time)` : g, met };
}

const perSec = (r: Measured | undefined): number =>
  r && r.ms > 0 ? (r.n / r.ms) * 1000 : NaN;
/** ms per item. */
const perItem = (r: Measured | undefined): number =>
  r && r.ms > 0 ? r.ms / r.n : NaN;
const find = (
  rows: Measured[] | undefined,
  name: string,
): Measured | undefined => rows?.find((r) => r.name === name && !r.error);
const pyTiming = (m: Measurements, key: string): Measured | undefined => {
  const t = m.python?.results[key] as
    | { n: number; ms: number; samples: number }
    | undefined;
  return t
    ? { name: key, kind: "python", n: t.n, ms: t.ms, min: t.ms, samples: 1 }
    : undefined;
};

/** Efficiency on a shape: the floor's time ÷ the pool's. */
export function shapeEfficiency(
  m: Measurements,
  shape: Shape,
): {
  ours: number;
  oursFirst: number;
  python: number;
  pool?: Measured;
  floor?: Measured;
} {
  const names = shapeNames(shape);
  const pool = find(m.shapes, names.pool), floor = find(m.shapes, names.floor);
  const py = m.python?.cpuShapes?.shapes[shape.id];
  return {
    ours: (floor?.ms ?? NaN) / (pool?.ms ?? NaN),
    oursFirst: (floor?.first ?? NaN) / (pool?.first ?? NaN),
    python: py ? py.floor / py.pool : NaN,
    pool,
    floor,
  };
}

const FLOOR_SHAPES =
  "bare floor: 2 bare workers pulling one task at a time from one shared queue";

/** The issue's targets, judged on this run. */
export function buildTargets(m: Measurements): Target[] {
  const t: Target[] = [];
  if (m.tiny) tinyTargets(m, t);
  if (m.shapes && m.shapeList) {
    for (const shape of m.shapeList) {
      const e = shapeEfficiency(m, shape);
      t.push(judge({
        id: `shape_${shape.id}`,
        text: `Pool(2).map, ${shape.label}: efficiency vs the bare floor`,
        stage: "steady state",
        against: FLOOR_SHAPES,
        ratio: e.ours,
        measured: `${millis(e.floor?.ms ?? NaN)} floor ÷ ${
          millis(e.pool?.ms ?? NaN)
        } Pool.map; first call ${times(e.oursFirst)}`,
        headline: true,
      }, { atLeast: shape.goal }));
      t.push(judge({
        id: `shape_${shape.id}_cpython`,
        text:
          `Pool(2).map, ${shape.label}: efficiency ≥ CPython's (its floor ÷ its Pool.map)`,
        stage: "steady state",
        against: "CPython Pool(2).map against its own bare floor",
        ratio: e.ours / e.python,
        measured: `ours ${times(e.ours)}, CPython ${times(e.python)}${
          m.python?.cpuShapes
            ? ` (fib arguments lowered by ${m.python.cpuShapes.shift})`
            : ""
        }`,
        headline: true,
      }, { atLeast: 1 }));
    }
  }
  if (m.startupN) {
    const bare = (n: number) =>
      m.startupN!.find((r) => r.name === startupName("bare", n) && !r.error);
    for (const from of ["sources", "package"] as const) {
      for (const n of STARTUP_WORKERS) {
        const row = m.startupN.find((r) =>
          r.name === startupName(from, n) && !r.error
        );
        if (!row) continue;
        const one = bare(1), all = bare(n);
        t.push(judge(
          {
            id: `startup_first_${from}_${n}`,
            text: `new Pool(${n}) from the ${from} to its first result`,
            stage: "start-up",
            against: "one bare worker's first message",
            ratio: row.first / (one?.first ?? NaN),
            measured: `${millis(row.first)} vs ${millis(one?.first ?? NaN)}`,
            headline: n === 4,
          },
          { atMost: 1.2 },
          true,
        ));
        t.push(judge(
          {
            id: `startup_all_${from}_${n}`,
            text: `new Pool(${n}) from the ${from} until ${
              n === 1 ? "its worker" : `all ${n} workers`
            } answered`,
            stage: "start-up",
            against: n === 1
              ? "one bare worker's first message"
              : `${n} bare workers' first messages`,
            ratio: row.all / (all?.all ?? NaN),
            measured: `${millis(row.all)} vs ${millis(all?.all ?? NaN)}`,
            headline: n === 4,
          },
          { atMost: 1.3 },
          true,
        ));
      }
    }
  }
  if (m.cpu) {
    const one = find(m.cpu, "one thread (plain loop)"),
      pool = find(m.cpu, "Pool.map"),
      raw = find(m.cpu, "raw Worker, 1 per message (no pool)");
    t.push(judge({
      id: "cpu_speedup",
      text:
        `${m.sizes.fibCount} × fib(${m.sizes.fibN}): Pool(${m.sizes.processes}).map speed-up over one thread`,
      stage: "steady state",
      against: "one thread (plain loop)",
      ratio: (one?.ms ?? NaN) / (pool?.ms ?? NaN),
      measured: `${millis(one?.ms ?? NaN)} → ${
        millis(pool?.ms ?? NaN)
      }; bare workers with no pool reach ${
        times((one?.ms ?? NaN) / (raw?.ms ?? NaN))
      } on this machine`,
    }, { atLeast: 1.9 }));
  }
  if (m.threads) threadTargets(m, t);
  return t;
}

function tinyTargets(m: Measurements, t: Target[]): void {
  const n = m.sizes.tiny.toLocaleString("en-US");
  const ours = find(m.tiny, "Pool.map (default chunking)");
  const pyMap = pyTiming(m, "Pool.map");
  const goal = TINY_VS_CPYTHON[runtime];
  t.push(judge({
    id: "tiny_steady_cpython",
    text:
      `Pool(2).map of ${n} tiny tasks vs CPython's Pool.map (Node ≥ 1.5×, Deno ≥ 1.3×, Bun ≥ 8×)`,
    stage: "steady state",
    against: "CPython Pool(2).map, steady state",
    ratio: perSec(ours) / perSec(pyMap),
    measured: `${rate(perSec(ours))} vs ${rate(perSec(pyMap))}`,
    headline: true,
  }, { atLeast: goal }));
  const first = find(m.startup, FIRST_MAP);
  const pyFirst = pyTiming(m, "Pool.map first call");
  t.push(judge({
    id: "tiny_first_cpython",
    text: `Pool(2).map of ${n} tiny tasks on a fresh pool vs CPython's`,
    stage: "first call",
    against: "CPython Pool(2).map on a fresh pool",
    ratio: (pyFirst?.ms ?? NaN) / (first?.ms ?? NaN),
    measured: `${millis(first?.ms ?? NaN)} vs ${millis(pyFirst?.ms ?? NaN)}`,
    headline: true,
  }, { atLeast: 1.2 }));
  const floor = find(m.tiny, CHUNKS_POSTED);
  t.push(judge(
    {
      id: "tiny_steady_floor",
      text: `Pool(2).map of ${n} tiny tasks within 1.15× of the floor`,
      stage: "steady state",
      against:
        `raw floor: the same chunks, pre-built, all posted, results assembled`,
      ratio: (ours?.ms ?? NaN) / (floor?.ms ?? NaN),
      measured: `${millis(ours?.ms ?? NaN)} vs ${
        millis(floor?.ms ?? NaN)
      }; first call on the started pool ${millis(ours?.first ?? NaN)}`,
      headline: true,
    },
    { atMost: 1.15 },
    true,
  ));
  const map1 = find(m.tiny, "Pool.map chunkSize 1");
  const posted = find(m.tiny, ONE_POSTED);
  t.push(judge(
    {
      id: "map_chunk1_floor",
      text: "Pool(2).map chunkSize 1, per task, within 2× of the floor",
      stage: "steady state",
      against: "raw floor: 1 item per message, all posted at once",
      ratio: perItem(map1) / perItem(posted),
      measured: `${rate(perSec(map1))} vs ${rate(perSec(posted))}`,
      headline: true,
    },
    { atMost: 2 },
    true,
  ));
  const awaited = find(m.tiny, APPLY_AWAITED);
  const ping = find(m.tiny, PING_PONG_ONE);
  t.push(judge(
    {
      id: "apply_awaited_floor",
      text:
        "Pool.apply awaited in a loop, per call, within 1.15× of bare ping-pong",
      stage: "steady state",
      against: "raw floor: one bare worker, one message in flight",
      ratio: perItem(awaited) / perItem(ping),
      measured: `${millis(perItem(awaited))} vs ${
        millis(perItem(ping))
      } per call`,
      headline: true,
    },
    { atMost: 1.15 },
    true,
  ));
  // Kept from earlier issues (shown in bench/results only).
  const speed = perSec(ours);
  t.push(judge({
    id: "tiny_piscina",
    text: `Pool.map of ${n} tiny tasks ≥ 50× piscina`,
    stage: "steady state",
    against: "piscina, one run per item",
    ratio: speed / perSec(find(m.tiny, "piscina, run per item")),
    measured: "",
  }, { atLeast: 50 }));
  t.push(judge({
    id: "tiny_batched_floor",
    text: `Pool.map of ${n} tiny tasks ≥ 50% of the batched raw floor`,
    stage: "steady state",
    against: "raw floor: 100 per message, ping-pong",
    ratio: speed / perSec(find(m.tiny, "raw Worker, 100 per message")),
    measured: "",
  }, { atLeast: 0.5 }));
  const peers = (m.tiny ?? []).filter((r) => r.kind === "peer" && !r.error);
  const best = peers.reduce<Measured | undefined>(
    (a, r) => (!a || perSec(r) > perSec(a) ? r : a),
    undefined,
  );
  t.push(judge({
    id: "map_chunk1_peer",
    text:
      "one task per message (Pool.map chunkSize 1) ≥ 1.5× the fastest JS peer",
    stage: "steady state",
    against: `fastest JS peer (${best?.name ?? "–"})`,
    ratio: perSec(map1) / perSec(best),
    measured: `${rate(perSec(map1))} vs ${rate(perSec(best))}`,
  }, { atLeast: 1.5 }));
  const pyMap1 = pyTiming(m, "Pool.map chunksize=1");
  t.push(judge({
    id: "map_chunk1_cpython",
    text:
      "one task per message (Pool.map chunkSize 1) ≥ 2× CPython's Pool.map chunksize=1",
    stage: "steady state",
    against: "CPython Pool.map chunksize=1",
    ratio: perSec(map1) / perSec(pyMap1),
    measured: `${rate(perSec(map1))} vs ${rate(perSec(pyMap1))}`,
  }, { atLeast: 2 }));
}

function threadTargets(m: Measurements, t: Target[]): void {
  const pmap = find(m.threads, `p-map, concurrency ${m.sizes.processes}`);
  const chunk1 = find(m.threads, TP_CHUNK_1);
  t.push(judge({
    id: "threadpool_chunk1_pmap",
    text: "ThreadPool.map chunkSize 1 (async fn) ≥ 1.0× p-map",
    stage: "steady state",
    against: `p-map, concurrency ${m.sizes.processes}`,
    ratio: perSec(chunk1) / perSec(pmap),
    measured: `${rate(perSec(chunk1))} vs ${rate(perSec(pmap))}`,
    headline: true,
  }, { atLeast: 1 }));
  const async = find(m.threads, "ThreadPool.map (async fn)");
  t.push(judge({
    id: "threadpool_pmap",
    text: "ThreadPool.map, default chunking (async fn) ≥ 1.0× p-map",
    stage: "steady state",
    against: `p-map, concurrency ${m.sizes.processes}`,
    ratio: perSec(async) / perSec(pmap),
    measured: `${rate(perSec(async))} vs ${rate(perSec(pmap))}`,
  }, { atLeast: 1 }));
  const sync = find(m.threads, "ThreadPool.map (sync fn)");
  const pyTp = pyTiming(m, "ThreadPool.map");
  t.push(judge({
    id: "threadpool_cpython",
    text:
      "ThreadPool.map (sync fn, like CPython's) ≥ 1.0× CPython's ThreadPool.map",
    stage: "steady state",
    against: "CPython ThreadPool.map",
    ratio: perSec(sync) / perSec(pyTp),
    measured: `${rate(perSec(sync))} vs ${rate(perSec(pyTp))}`,
  }, { atLeast: 1 }));
}
