// The README's headline numbers: compare.ts writes one
// `<runtime>_headline.json` per full run, and readme.ts turns the three into
// the table between the README's `bench:headline` markers.
import type { Measured } from "./_harness.ts";
import type { PythonResults } from "./_python.ts";
import type { RuntimeInfo } from "./_runtime.ts";
import type { Target } from "./_report.ts";
import type { Measurements } from "./_sections.ts";

/** The start-up contender that times a fresh pool's first map. */
export const FIRST_MAP = "Pool, first map of the tiny workload";

/** One runtime's headline numbers (ms; ratios are "ours ÷ theirs" speed). */
export interface Headline {
  info: RuntimeInfo;
  python?: string;
  tiny: number;
  processes: number;
  fibN: number;
  fibCount: number;
  /** A fresh pool's first `Pool.map` of the tiny workload, start-up included. */
  firstCallMs: number;
  /** The median `Pool.map` of the tiny workload on a started, warm pool. */
  steadyMs: number;
  pyFirstCallMs: number;
  pySteadyMs: number;
  vsPiscina: number;
  perMessageVsBestPeer: number;
  bestPeer: string;
  threadPoolVsPMap: number;
  cpuSpeedup: number;
  cpuFloorSpeedup: number;
  startupMs: number;
  pyStartupMs: number;
  /** The 1-minute load average at the start and at the end of the run. */
  load: [number, number];
  /** The issue's targets judged on this run (the README shows the headline ones). */
  targets?: Target[];
  /** The commit measured, if known. */
  commit?: string;
}

const ok = (rows: Measured[] | undefined, name: string): Measured | undefined =>
  rows?.find((r) => r.name === name && !r.error);
const rateOf = (r: Measured | undefined): number =>
  r && r.ms > 0 ? r.n / r.ms : NaN;
const pyMs = (python: PythonResults | undefined, key: string): number =>
  (python?.results[key] as { ms?: number } | undefined)?.ms ?? NaN;

/** The headline numbers of one full run. */
export function headlineOf(
  m: Measurements,
  info: RuntimeInfo,
  python: string | undefined,
  load: [number, number],
  targets: Target[] = [],
  commit?: string,
): Headline {
  const steady = ok(m.tiny, "Pool.map (default chunking)");
  const perMessage = ok(m.tiny, "Pool.map chunkSize 1");
  const peers = (m.tiny ?? []).filter((r) => r.kind === "peer" && !r.error);
  const best = peers.reduce<Measured | undefined>(
    (a, r) => (!a || rateOf(r) > rateOf(a) ? r : a),
    undefined,
  );
  const one = ok(m.cpu, "one thread (plain loop)");
  return {
    info,
    python,
    tiny: m.sizes.tiny,
    processes: m.sizes.processes,
    fibN: m.sizes.fibN,
    fibCount: m.sizes.fibCount,
    firstCallMs: ok(m.startup, FIRST_MAP)?.ms ?? NaN,
    steadyMs: steady?.ms ?? NaN,
    pyFirstCallMs: pyMs(m.python, "Pool.map first call"),
    pySteadyMs: pyMs(m.python, "Pool.map"),
    vsPiscina: rateOf(steady) / rateOf(ok(m.tiny, "piscina, run per item")),
    perMessageVsBestPeer: rateOf(perMessage) / rateOf(best),
    bestPeer: best?.name.replace(/, run per item$/, "") ?? "–",
    threadPoolVsPMap: rateOf(ok(m.threads, "ThreadPool.map (async fn)")) /
      rateOf(ok(m.threads, `p-map, concurrency ${m.sizes.processes}`)),
    cpuSpeedup: (one?.ms ?? NaN) / (ok(m.cpu, "Pool.map")?.ms ?? NaN),
    cpuFloorSpeedup: (one?.ms ?? NaN) /
      (ok(m.cpu, "raw Worker, 1 per message (no pool)")?.ms ?? NaN),
    startupMs: ok(m.startup, "Pool")?.ms ?? NaN,
    pyStartupMs: pyMs(m.python, "Pool start-up"),
    load,
    targets,
    commit,
  };
}

const ms = (v: number): string =>
  !Number.isFinite(v)
    ? "–"
    : v >= 100
    ? `${v.toFixed(0)} ms`
    : `${v.toPrecision(3)} ms`;
const x = (v: number): string =>
  !Number.isFinite(v) ? "–" : `${v >= 100 ? v.toFixed(0) : v.toPrecision(3)}×`;
const rate = (n: number, v: number): string => {
  const perSec = (n / v) * 1000;
  return !Number.isFinite(perSec)
    ? "–"
    : perSec >= 1e6
    ? `${(perSec / 1e6).toFixed(1)}M/s`
    : `${(perSec / 1e3).toFixed(0)}k/s`;
};

/** The README section between the markers, from up to three runtimes. */
export function headlineMarkdown(parsed: Headline[]): string {
  // JSON turns NaN (not measured) into null: back to NaN, so it shows as "–".
  const runs = parsed.map((h) =>
    Object.fromEntries(
      Object.entries(h).map(([k, v]) => [k, v === null ? NaN : v]),
    ) as unknown as Headline
  );
  if (runs.length === 0) return "No full benchmark run yet: `npm run bench`.";
  const n = runs[0].tiny.toLocaleString("en-US");
  const col = (f: (h: Headline) => string): string[] => runs.map(f);
  const rows: [string, string[]][] = [
    [
      `\`Pool.map\` of ${n} tiny tasks, **first call** on a fresh pool (start-up included)`,
      col((h) => ms(h.firstCallMs)),
    ],
    [
      "… **steady state** (median of later calls on the started pool)",
      col((h) => `${ms(h.steadyMs)} (${rate(h.tiny, h.steadyMs)})`),
    ],
    [
      "… first call vs CPython's first call",
      col((h) => x(h.pyFirstCallMs / h.firstCallMs)),
    ],
    [
      "… steady state vs CPython's steady state",
      col((h) => x(h.pySteadyMs / h.steadyMs)),
    ],
    [
      "… steady state vs piscina (one task per message, the peers' only way)",
      col((h) => x(h.vsPiscina)),
    ],
    [
      "one task per message (`Pool.map`, chunkSize 1) vs the fastest JS peer",
      col((h) => `${x(h.perMessageVsBestPeer)} (${h.bestPeer})`),
    ],
    [
      `\`ThreadPool.map\` vs p-map (${n} async tasks)`,
      col((h) => x(h.threadPoolVsPMap)),
    ],
    [
      `${runs[0].fibCount} × fib(${runs[0].fibN}) on ${
        runs[0].processes
      } workers vs one thread (bare workers, no pool)`,
      col((h) => `${x(h.cpuSpeedup)} (${x(h.cpuFloorSpeedup)})`),
    ],
    [
      "start-up to the first result of `apply`, fresh `Pool(2)` (CPython's)",
      col((h) => `${ms(h.startupMs)} (${ms(h.pyStartupMs)})`),
    ],
  ];
  const head = ["workload", ...runs.map((h) => h.info.version)];
  const table = [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map(([label, cells]) => `| ${label} | ${cells.join(" | ")} |`),
  ].join("\n");
  const machines = [
    ...new Set(
      runs.map((h) => `${h.info.cpu}, ${h.info.cores} cores, ${h.info.os}`),
    ),
  ];
  const dates = runs.map((h) =>
    `${h.info.version} ${h.info.date.slice(0, 16)}Z`
  )
    .map((d) => d.replace("T", " "));
  const pythons = [...new Set(runs.map((h) => h.python).filter((p) => !!p))];
  const loads = runs.map((h) =>
    `${h.info.version.split(" ")[0]} ${h.load?.[0]?.toFixed(1) ?? "?"} → ${
      h.load?.[1]?.toFixed(1) ?? "?"
    }`
  );
  const cores = runs[0].info.cores;
  const busiest = Math.max(...runs.flatMap((h) => h.load ?? []));
  const warning = busiest > cores
    ? [
      `**This run was made on a busy machine** (load average up to ${
        busiest.toFixed(1)
      } on ${cores} cores): every contender had to share the cores, so ` +
      "absolute times, the CPU speed-ups and the first-call rows are not " +
      "representative; rerun `npm run bench` on a quiet machine before " +
      "quoting them.",
      "",
    ]
    : [];
  const commits = [...new Set(runs.map((h) => h.commit).filter((c) => !!c))];
  return [
    ...warning,
    `Measured by \`npm run bench\` on ${machines.join("; ")} (${
      dates.join(", ")
    }${pythons.length ? `; ${pythons.join(", ")}` : ""}). ` +
    "Ratios are speed, multipool ÷ the other (> 1× means multipool is faster), " +
    "from one run each on a machine shared with other jobs: read them as " +
    "ratios, not absolute numbers. The first call includes starting " +
    `${runs[0].processes} workers and cold code; the steady state is the ` +
    "median of interleaved rounds on a started pool. The machine's " +
    `1-minute load average at the start and end of each run (${
      runs[0].info.cores
    } cores): ${loads.join(", ")}.`,
    "",
    table,
    "",
    ...targetsMarkdown(runs),
    ...(commits.length ? ["", `Commit measured: ${commits.join(", ")}.`] : []),
  ].join("\n");
}

const mark = (t: Target | undefined): string =>
  !t || !Number.isFinite(t.ratio)
    ? "–"
    : `${x(t.ratio)} ${t.met === undefined ? "" : t.met ? "✓" : "✗"}`.trim();

/** The issue's targets, one row each, one column per runtime. */
function targetsMarkdown(runs: Headline[]): string[] {
  const ids: string[] = [];
  const byId = new Map<string, Target>();
  for (const h of runs) {
    for (const t of h.targets ?? []) {
      if (!t.headline || byId.has(t.id)) continue;
      ids.push(t.id);
      byId.set(t.id, t);
    }
  }
  if (!ids.length) return [];
  const head = [
    "target",
    "measured",
    "against",
    "goal",
    ...runs.map((h) => h.info.version),
  ];
  const esc = (s: string): string => s.replaceAll("|", "\\|");
  return [
    "The issue's targets (✓ met, ✗ not met; the goal's direction: ≥ for speed " +
    "and efficiency, ≤ for time ratios). Efficiency = the bare floor's time ÷ " +
    "`Pool.map`'s on the same tasks; the floor is named in each row. Start-up " +
    "rows are `Pool(4)`; `Pool(1)` and `Pool(2)` are in `bench/results/<runtime>.md`.",
    "",
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...ids.map((id) => {
      const t = byId.get(id)!;
      const cells = runs.map((h) => mark(h.targets?.find((r) => r.id === id)));
      // The per-runtime goal (tiny vs CPython) differs: show each run's.
      const goals = [
        ...new Set(
          runs.map((h) => h.targets?.find((r) => r.id === id)?.goal).filter((
            g,
          ) => !!g),
        ),
      ];
      return `| ${
        [esc(t.text), t.stage, esc(t.against), goals.join(" / "), ...cells]
          .join(" | ")
      } |`;
    }),
  ];
}
