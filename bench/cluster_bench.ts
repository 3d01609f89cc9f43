// `npm run bench:cluster` (or `deno run -A bench/cluster_bench.ts`, `node
// bench/cluster_bench.ts`, `bun bench/cluster_bench.ts`): ClusterPool with 2
// local agents (one worker thread each) beside the local Pool(2): one task's
// round trip, and chunks per second at chunk sizes 100 and 1,000. Starts its
// own redis-server. Prints a table and writes bench/results/cluster_<runtime>.md
// (`--smoke`: tiny sizes, writes nothing).
import { writeFileSync } from "node:fs";
import process from "node:process";
import { ClusterPool } from "../cluster/mod.ts";
import { Pool } from "../mod.ts";
import { startLocalCluster } from "../scripts/_local_cluster.ts";
import { describeRuntime, runtime } from "./_runtime.ts";
import { square } from "./_tasks.ts";

const smoke = process.argv.includes("--smoke");
const ROUND_TRIPS = smoke ? 20 : 500;
const CHUNKS = smoke ? 20 : 1_000;

type AnyPool = Pool | ClusterPool;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function roundTrip(pool: AnyPool): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const start = performance.now();
    await pool.apply(square, [i]);
    times.push(performance.now() - start);
  }
  return median(times);
}

async function chunksPerSecond(pool: AnyPool, size: number): Promise<number> {
  const chunks = size === 100 ? CHUNKS : CHUNKS / 5;
  const items = Array.from({ length: chunks * size }, (_, i) => i);
  const start = performance.now();
  const values = await pool.map(square, items, size);
  const seconds = (performance.now() - start) / 1000;
  if (values[items.length - 1] !== (items.length - 1) ** 2) {
    throw new Error("wrong result");
  }
  return chunks / seconds;
}

const module = new URL("./_tasks.ts", import.meta.url);
const local = await startLocalCluster("bench", module, 2, 1);
const rows: string[][] = [];
try {
  const pools: [string, AnyPool][] = [
    ["Pool(2), worker threads", new Pool({ processes: 2, module })],
    [
      "ClusterPool, 2 local agents × 1 thread",
      new ClusterPool({ redis: local.redis, cluster: "bench", module }),
    ],
  ];
  for (const [name, pool] of pools) {
    await pool.map(square, Array.from({ length: 2000 }, (_, i) => i), 100);
    const trip = await roundTrip(pool);
    const c100 = await chunksPerSecond(pool, 100);
    const c1000 = await chunksPerSecond(pool, 1000);
    rows.push([
      name,
      `${trip.toFixed(2)} ms`,
      `${c100.toFixed(0)} (${(c100 * 100 / 1e3).toFixed(0)}k items/s)`,
      `${c1000.toFixed(0)} (${(c1000 * 1000 / 1e3).toFixed(0)}k items/s)`,
    ]);
    await pool.terminate();
  }
} finally {
  local.stop();
}

const info = describeRuntime();
const table = [
  "| pool | round trip (median apply) | chunks/s, chunk size 100 | chunks/s, chunk size 1,000 |",
  "| --- | --- | --- | --- |",
  ...rows.map((row) => `| ${row.join(" | ")} |`),
].join("\n");
const text =
  `# ClusterPool beside Pool (${runtime})\n\n${`${info.version}, ${info.engine}, ${info.os}, ${info.cpu}, ${info.cores} cores, ${info.date}`}\n\nRedis on loopback, agents on this machine; ${ROUND_TRIPS} round trips, ${CHUNKS} chunks of 100 and ${
    CHUNKS / 5
  } of 1,000 items (\`x * x\`).\n\n${table}\n`;
console.log(text);
if (!smoke) {
  writeFileSync(
    new URL(`./results/cluster_${runtime}.md`, import.meta.url),
    text,
  );
}
process.exit(0);
