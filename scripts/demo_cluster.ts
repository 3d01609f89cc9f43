// `npm run demo:cluster`: starts a redis-server and two agents on this
// machine, then runs the CPU-bound demo (16 × fib(30)) across them with a
// ClusterPool. Every number printed is measured now. Needs redis-server
// (Debian: apt-get install --no-install-recommends redis-server).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ClusterPool } from "../cluster/mod.ts";
import { fib } from "./_demo_tasks.ts";

const sleep = (ms: number): Promise<void> =>
  new Promise((r) => setTimeout(r, ms));
const since = (start: number): string =>
  `${((performance.now() - start) / 1000).toFixed(2)} s`;
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
    .find(existsSync);
  if (!redisServer) {
    throw new Error(
      "redis-server not found: apt-get install --no-install-recommends redis-server",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "multipool-demo-"));
  const port = await freePort();
  const pidFile = join(dir, "redis.pid");
  execFileSync(redisServer, [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "yes",
    "--pidfile",
    pidFile,
    "--dir",
    dir,
    "--maxmemory-policy",
    "noeviction",
  ]);
  const redis = `redis://127.0.0.1:${port}`;
  const agents: ChildProcess[] = [];
  const stop = (): void => {
    for (const agent of agents) agent.kill("SIGKILL");
    try {
      process.kill(Number(readFileSync(pidFile, "utf8")), "SIGTERM");
    } catch {
      // Not started.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", stop);
  try {
    while (!existsSync(pidFile)) await sleep(20);
    console.log(`== redis-server on ${redis}`);
    const cli = fileURLToPath(new URL("../cluster/cli.ts", import.meta.url));
    const tasks = fileURLToPath(new URL("./_demo_tasks.ts", import.meta.url));
    const args = [
      "worker",
      "--redis",
      redis,
      "--cluster",
      "demo",
      "--module",
      tasks,
      "--processes",
      "1",
    ];
    for (let i = 0; i < 2; i++) {
      const [file, argv] = deno
        ? [deno.execPath(), ["run", "-A", cli, ...args]]
        : [process.execPath, [cli, ...args]];
      const agent = spawn(file, argv, { stdio: ["ignore", "pipe", "inherit"] });
      agents.push(agent);
      await new Promise<void>((resolve) =>
        agent.stdout!.on("data", (d) => {
          process.stdout.write(`   ${d}`);
          if (String(d).includes("serving")) resolve();
        })
      );
    }

    console.log("\n== 16 × fib(30), CPU-bound");
    let start = performance.now();
    for (let i = 0; i < 16; i++) fib(30);
    console.log(`one at a time, here:           ${since(start)}`);
    const pool = new ClusterPool({
      redis,
      cluster: "demo",
      module: new URL("./_demo_tasks.ts", import.meta.url),
    });
    await pool.map("fibWhere", new Array(8).fill(27), 1); // warm the agents' workers
    start = performance.now();
    const results = await pool.map("fibWhere", new Array(16).fill(30), 1);
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
    stop();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(`demo:cluster: ${(error as Error).message}`);
  process.exit(1);
});
