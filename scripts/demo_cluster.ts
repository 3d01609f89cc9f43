// `npm run demo:cluster`: starts a redis-server and two agents on this
// machine, then runs the CPU-bound demo (16 × fib(30)) across them with a
// ClusterPool. Every number printed is measured now. Needs redis-server
// (Debian: apt-get install --no-install-recommends redis-server).
import process from "node:process";
import { ClusterPool } from "../cluster/mod.ts";
import { fib, fibWhere } from "./_demo_cluster_tasks.ts";
import { startLocalCluster } from "./_local_cluster.ts";

const since = (start: number): string =>
  `${((performance.now() - start) / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  console.log("== a local cluster: redis-server and two agents of one thread");
  const local = await startLocalCluster(
    "demo",
    new URL("./_demo_cluster_tasks.ts", import.meta.url),
    2,
    1,
    (line) => console.log(`   ${line}`),
  );
  const redis = local.redis;
  try {
    console.log("\n== 16 × fib(30), CPU-bound");
    let start = performance.now();
    for (let i = 0; i < 16; i++) fib(30);
    console.log(`one at a time, here:           ${since(start)}`);
    const pool = new ClusterPool({
      redis,
      cluster: "demo",
      module: new URL("./_demo_cluster_tasks.ts", import.meta.url),
    });
    await pool.map(fibWhere, new Array(8).fill(27), 1); // warm the agents' workers
    start = performance.now();
    const results = await pool.map(fibWhere, new Array(16).fill(30), 1);
    console.log(
      `ClusterPool.map, ${pool.processes} agent threads: ${since(start)}`,
    );
    const byAgent = new Map<number, number>();
    for (const { pid } of results) {
      byAgent.set(pid, (byAgent.get(pid) ?? 0) + 1);
    }
    for (const [pid, count] of byAgent) {
      console.log(`   agent pid ${pid}: ${count} of 16 chunks`);
    }
    console.log(
      `   all equal fib(30) = ${results[0].value}: ${
        results.every((r) => r.value === 832040)
      }`,
    );
    pool.close();
    await pool.join();
  } finally {
    local.stop();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(`demo:cluster: ${(error as Error).message}`);
  process.exit(1);
});
