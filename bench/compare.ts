/**
 * Side-by-side benchmark of multipool against the raw worker floors, the JS
 * peers (piscina, tinypool, workerpool, p-map, a pooledMap-style limiter) and
 * CPython's multiprocessing.pool, in one run. Runs on Deno, Node and Bun:
 *
 * ```sh
 * deno run -A bench/compare.ts            # or: node --expose-gc bench/compare.ts, bun bench/compare.ts
 * deno run -A bench/compare.ts --smoke    # tiny sizes, seconds (also MULTIPOOL_BENCH_SMOKE=1)
 * ```
 *
 * Flags: `--smoke`, `--no-python`, `--only=tiny,cpu,shapes,threads,memory,startup,startup_n`,
 * `--out=DIR` (default bench/results; smoke runs write to the temp dir).
 * Prints a table per workload and writes DIR/<runtime>.md and one SVG chart
 * per workload, DIR/<runtime>_<workload>.svg.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  measureAll,
  progress,
  type RoundOptions,
  withTimeout,
} from "./_harness.ts";
import { type PythonResults, runPython } from "./_python.ts";
import {
  markdownReport,
  type Section,
  svgChart,
  type Target,
  textTable,
  times,
  verdict,
} from "./_report.ts";
import { args, describeRuntime, env, exit, runtime } from "./_runtime.ts";
import { buildSections } from "./_sections.ts";
import { buildTargets } from "./_targets.ts";
import { dropKnownHangs } from "./_peers.ts";
import {
  CALIBRATION_N,
  cpuShapes,
  fibCalibration,
  shapeContenders,
} from "./_shapes.ts";
import { measureStartup } from "./_startup.ts";
import { headlineOf } from "./_headline.ts";
import {
  cpuContenders,
  memoryRun,
  Shared,
  type Sizes,
  startupContenders,
  threadContenders,
  tinyContenders,
} from "./_workloads.ts";

const argv = args();
const smoke = argv.includes("--smoke") || env("MULTIPOOL_BENCH_SMOKE") === "1";
const only = argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const wants = (id: string): boolean => !only || only.includes(id);
const outDir = argv.find((a) => a.startsWith("--out="))?.slice(6) ??
  (smoke
    ? join(tmpdir(), "multipool-bench-smoke")
    : decodeURIComponent(new URL("./results", import.meta.url).pathname));

const sizes: Sizes = smoke
  ? {
    processes: 2,
    tiny: 2_000,
    perMessage: 200,
    awaited: 200,
    fibN: 20,
    fibCount: 32,
    memory: 20_000,
    memoryChunk: 100,
    checkpoints: [2_000, 20_000],
    pauseMs: 50,
  }
  : {
    processes: 2,
    tiny: 100_000,
    perMessage: 10_000,
    awaited: 5_000,
    fibN: 30,
    fibCount: 32,
    memory: 1_000_000,
    memoryChunk: 1_000,
    checkpoints: [100_000, 250_000, 500_000, 1_000_000],
    pauseMs: 1_000,
  };
const rounds: RoundOptions = smoke
  ? { rounds: 1, roundTime: 0, setupTimeout: 20_000 }
  : { rounds: 5, roundTime: 150, setupTimeout: 60_000 };

// The uneven CPU shapes; the smoke run lowers every fib argument by 10.
const shapes = cpuShapes(smoke ? 10 : 0);

/** The commit measured (with "+changes" if the tree is dirty), or undefined. */
function gitCommit(): string | undefined {
  try {
    const cwd = decodeURIComponent(new URL("..", import.meta.url).pathname);
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd })
      .toString().trim();
    const dirty = execFileSync("git", [
      "status",
      "--porcelain",
      "--",
      "src",
      "adapters",
      "mod.ts",
    ], {
      cwd,
    }).toString().trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return undefined;
  }
}

const started = performance.now();
// The machine's 1-minute load average at the start, for the headline.
const loadAtStart = loadavg()[0];
const info = describeRuntime();
progress(
  `multipool bench on ${info.version}, ${info.cores} cores${
    smoke ? " (smoke)" : ""
  }`,
);

// The smoke run is part of `npm test`: peers known to hang on this runtime are
// left out (and said so), every contender runs under its own timeout, and
// only a failure of ours (multipool, the raw floors, the baselines) fails it.
if (smoke) {
  for (const line of dropKnownHangs()) progress(`note: ${line}`);
}

let python: PythonResults | undefined;
if (!argv.includes("--no-python")) {
  progress("CPython multiprocessing.pool (bench/compare.py)");
  python = await runPython({
    reps: smoke ? 1 : 5,
    budget_s: smoke ? 0.2 : 2,
    processes: sizes.processes,
    tiny: sizes.tiny,
    perMessage: sizes.perMessage,
    fibN: sizes.fibN,
    fibCount: sizes.fibCount,
    fibReps: 1,
    memory: sizes.memory,
    memoryChunk: sizes.memoryChunk,
    checkpoints: sizes.checkpoints,
    pauseMs: sizes.pauseMs,
    startupReps: smoke ? 1 : 5,
    shapes: wants("shapes")
      ? shapes.map(({ id, items }) => ({ id, items }))
      : [],
    shapeReps: smoke ? 1 : 5,
    calibrationN: CALIBRATION_N,
    jsCalibrationMs: fibCalibration(),
  });
}

const m: Parameters<typeof buildSections>[0] = { sizes, python, smoke };
// Memory first, so the RSS it reports is not the high-water mark of other workloads.
if (wants("memory")) {
  progress(`imap over an endless generator, ${sizes.memory} results`);
  m.memory = {};
  for (const kind of ["Pool", "ThreadPool"] as const) {
    try {
      m.memory[kind] = await withTimeout(
        memoryRun(kind, sizes, progress),
        rounds.setupTimeout * 3,
        `${kind}.imap`,
      );
    } catch (error) {
      progress(`  [memory] FAILED ${kind}.imap: ${error}`);
    }
  }
}
const shared = new Shared(sizes.processes);
if (wants("tiny")) {
  progress("100k tiny tasks, batched and one per message");
  m.tiny = await measureAll("tiny", tinyContenders(sizes, shared), rounds);
  await shared.close();
}
if (wants("cpu")) {
  progress(`CPU-bound: ${sizes.fibCount} × fib(${sizes.fibN})`);
  m.cpu = await measureAll("cpu", cpuContenders(sizes, shared), rounds);
  await shared.close();
}
if (wants("shapes")) {
  progress("uneven CPU shapes: Pool.map against the bare floor");
  m.shapes = await measureAll(
    "shapes",
    shapeContenders(shapes, () => shared.pool(), () => shared.floor()),
    { ...rounds, rounds: smoke ? 1 : 5, roundTime: 0 },
  );
  m.shapeList = shapes;
  await shared.close();
}
if (wants("threads")) {
  progress("in-process: tiny async tasks");
  m.threads = await measureAll("threads", threadContenders(sizes), rounds);
}
if (wants("startup")) {
  progress("start-up to first result");
  m.startup = await measureAll("startup", startupContenders(sizes), {
    ...rounds,
    roundTime: smoke ? 0 : 100,
  });
}

if (wants("startup_n")) {
  progress(
    "start-up of Pool(1, 2, 4) from the sources and the package, and bare workers",
  );
  m.startupN = await measureStartup(smoke ? 1 : 5, 20_000, !smoke);
}

const sections: Section[] = buildSections(m);
// Smoke sizes are too small to judge anything: the targets are shown, not judged.
const targets: Target[] = buildTargets(m).map((
  t,
) => (smoke
  ? { ...t, met: undefined, measured: `smoke run, not judged: ${t.measured}` }
  : t)
);
const seconds = (performance.now() - started) / 1000;
const pyLabel = python
  ? `${python.implementation} ${python.version}`
  : undefined;
const command = runtime === "deno"
  ? "deno run -A bench/compare.ts"
  : runtime === "bun"
  ? "bun bench/compare.ts"
  : "node --expose-gc bench/compare.ts";

console.log(
  `\nmultipool bench · ${info.date} · ${info.version} (${info.engine}) · ${info.cores} cores · ${info.cpu}` +
    (pyLabel ? ` · ${pyLabel}` : "") +
    ` · ${seconds.toFixed(0)} s${
      smoke ? " · SMOKE (sizes too small to mean anything)" : ""
    }`,
);
for (const s of sections) {
  console.log(`\n## ${s.title}\n${textTable(s.header, s.rows)}`);
  for (const note of s.notes ?? []) console.log(`  - ${note}`);
}
console.log("\n## Targets");
for (const t of targets) {
  console.log(
    `  ${verdict(t.met).padEnd(8)} ${t.text} [${t.stage}; vs ${t.against}]: ${
      times(t.ratio)
    }, goal ${t.goal} (${t.measured})`,
  );
}

mkdirSync(outDir, { recursive: true });
const chartFile = (id: string): string => `${runtime}_${id}.svg`;
const subtitle =
  `${info.version}${pyLabel ? ` and ${pyLabel}` : ""} · ${info.cores} cores · ${
    info.date.slice(0, 10)
  }` +
  (smoke ? " · smoke" : "");
for (const s of sections) {
  if (s.chart) {
    writeFileSync(
      join(outDir, chartFile(s.id)),
      svgChart(s.title, subtitle, s.chart),
    );
  }
}
writeFileSync(
  join(outDir, `${runtime}.md`),
  markdownReport(
    info,
    pyLabel,
    sections,
    targets,
    chartFile,
    command + (smoke ? " --smoke" : ""),
  ),
);
// The README's headline table (bench/readme.ts) reads bench/results/, so only
// full runs reach it; smoke runs write theirs to the temp dir, which keeps
// the code path tested.
if (!only) {
  writeFileSync(
    join(outDir, `${runtime}_headline.json`),
    JSON.stringify(
      headlineOf(
        m,
        info,
        pyLabel,
        [loadAtStart, loadavg()[0]],
        targets,
        gitCommit(),
      ),
      null,
      2,
    ) + "\n",
  );
}
progress(
  `\nwrote ${join(outDir, `${runtime}.md`)} and ${
    sections.filter((s) => s.chart).length
  } charts in ${seconds.toFixed(0)} s`,
);
// In the smoke run a failure of ours fails the run; a peer's is only reported.
const ourFailures = [m.tiny, m.cpu, m.shapes, m.threads, m.startup]
  .flatMap((rows) => rows ?? [])
  .filter((r) => r.error !== undefined && r.kind !== "peer")
  .map((r) => `${r.name}: ${r.error}`);
for (const r of m.startupN ?? []) {
  if (r.error !== undefined) ourFailures.push(`${r.name}: ${r.error}`);
}
for (const kind of ["Pool", "ThreadPool"] as const) {
  if (m.memory && !m.memory[kind]) ourFailures.push(`${kind}.imap memory run`);
}
const peerFailures = [m.tiny, m.cpu, m.threads, m.startup]
  .flatMap((rows) => rows ?? [])
  .filter((r) => r.error !== undefined && r.kind === "peer")
  .map((r) => `${r.name}: ${r.error}`);
if (peerFailures.length) {
  progress(
    `peers that failed (not ours, reported only):\n  ${
      peerFailures.join("\n  ")
    }`,
  );
}
if (ourFailures.length) {
  progress(`FAILED, ours:\n  ${ourFailures.join("\n  ")}`);
}
// Leave even if a stuck contender still holds a worker.
exit(smoke && ourFailures.length ? 1 : 0);
