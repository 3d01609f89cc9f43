// Pool's adapters side by side: worker threads (adapters/node, deno, bun),
// Web Workers (adapters/web, Deno and Bun) and child processes
// (adapters/process). Per adapter, 2 workers:
//
// - start-up: `new Pool` to its first result, and to every worker's first
//   result (median of ROUNDS fresh pools);
// - round trip: one `apply` at a time, after warm-up (median per call);
// - per task: `map` of TASKS tiny tasks, one per message (chunkSize 1), and
//   the same with the default chunking (time per task).
//
// Run: `deno run -A bench/adapters_bench.ts`, `node bench/adapters_bench.ts`,
// `bun bench/adapters_bench.ts`; `--smoke` for a few seconds. Prints a
// markdown table and writes it to bench/results/adapters_<runtime>.md
// (with --smoke: to the temp directory).
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Pool, type WorkerAdapter } from "../mod.ts";
import { processAdapter } from "../adapters/process.ts";
import { describeRuntime, runtime } from "./_runtime.ts";

const smoke = process.argv.includes("--smoke") ||
  process.env.MULTIPOOL_BENCH_SMOKE === "1";
const ROUNDS = smoke ? 2 : 7;
const TRIPS = smoke ? 20 : 300;
const TASKS = smoke ? 200 : 5_000;
/** Tasks of the default-chunking map: cheap per task, so many more. */
const CHUNKED = smoke ? 2_000 : 100_000;
const WORKERS = 2;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const square = (x: number): number => x * x;

interface Row {
  adapter: string;
  first: number;
  all: number;
  trip: number;
  perMessage: number;
  perTask: number;
}

async function measure(name: string, adapter: WorkerAdapter): Promise<Row> {
  const firsts: number[] = [];
  const alls: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    const pool = new Pool({ processes: WORKERS, adapter });
    await pool.apply(square, [2]);
    firsts.push(performance.now() - start);
    // One slow-ish task per worker: each must have started to answer.
    await pool.map(
      async (x: number) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return x;
      },
      Array.from({ length: WORKERS }, (_, i) => i),
      1,
    );
    alls.push(performance.now() - start - 20);
    await pool.terminate();
  }
  const pool = new Pool({ processes: WORKERS, adapter });
  try {
    await pool.map(square, Array.from({ length: 100 }, (_, i) => i), 1);
    const trips: number[] = [];
    for (let i = 0; i < TRIPS; i++) {
      const start = performance.now();
      await pool.apply(square, [i]);
      trips.push(performance.now() - start);
    }
    const items = Array.from({ length: TASKS }, (_, i) => i);
    let start = performance.now();
    await pool.map(square, items, 1);
    const perMessage = (performance.now() - start) / TASKS;
    const many = Array.from({ length: CHUNKED }, (_, i) => i);
    await pool.map(square, many);
    start = performance.now();
    await pool.map(square, many);
    const perTask = (performance.now() - start) / CHUNKED;
    return {
      adapter: name,
      first: median(firsts),
      all: median(alls),
      trip: median(trips),
      perMessage,
      perTask,
    };
  } finally {
    await pool.terminate();
  }
}

// Worker threads (node:worker_threads) on every runtime, whatever its default.
const threads = `../adapters/${runtime}.ts`;
const contenders: [string, WorkerAdapter][] = [
  ["worker threads", (await import(threads))[`${runtime}Adapter`]],
];
if (runtime !== "node") {
  const web = "../adapters/web.ts";
  try {
    contenders.push(["web workers", (await import(web)).webAdapter]);
  } catch {
    // No adapters/web in this checkout.
  }
}
contenders.push(["processes", processAdapter]);

const rows: Row[] = [];
for (const [name, adapter] of contenders) {
  rows.push(await measure(name, adapter));
}

const base = rows[0];
const ms = (value: number) => value.toFixed(value < 1 ? 3 : 1);
const ratio = (value: number, of: number) => `${(value / of).toFixed(1)}×`;
const info = describeRuntime();
const lines = [
  `## Pool adapters on ${info.version} (${info.engine})`,
  "",
  `${info.os}, ${info.cpu}, ${info.cores} cores, ${info.date}; ${WORKERS} workers; ` +
  `medians of ${ROUNDS} start-ups and ${TRIPS} round trips; map of ${TASKS} ` +
  `(1 per message) and ${CHUNKED} (default chunks) tasks \`x => x * x\`, after a warm-up.`,
  "",
  "| adapter | start-up: first result (ms) | start-up: all workers (ms) | apply round trip (ms) | map, 1 task per message (µs/task) | map, default chunks (µs/task) |",
  "|---|---|---|---|---|---|",
  ...rows.map((row) =>
    `| ${row.adapter} | ${ms(row.first)} (${ratio(row.first, base.first)}) | ${
      ms(row.all)
    } (${ratio(row.all, base.all)}) | ${ms(row.trip)} (${
      ratio(row.trip, base.trip)
    }) | ${(row.perMessage * 1000).toFixed(1)} (${
      ratio(row.perMessage, base.perMessage)
    }) | ${(row.perTask * 1000).toFixed(2)} (${
      ratio(row.perTask, base.perTask)
    }) |`
  ),
  "",
  "Ratios are to the first row (threads) of the same run.",
  "",
];
const table = lines.join("\n");
console.log(table);
const dir = smoke
  ? join(tmpdir(), "multipool-bench")
  : fileURLToPath(new URL("./results/", import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `adapters_${runtime}.md`), table);
