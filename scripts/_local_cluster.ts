// A cluster on this machine for the demo and the benchmark: a redis-server
// (free port, pid file, no persistence) and agent processes of the running
// runtime. Stopped on exit.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A running local cluster. */
export interface LocalCluster {
  redis: string;
  agents: ChildProcess[];
  stop(): void;
}

/**
 * Starts redis-server and `agents` agents (`threads` worker threads each)
 * serving `cluster` with the task module at `module` (a file URL).
 */
export async function startLocalCluster(
  cluster: string,
  module: URL,
  agents: number,
  threads: number,
  log: (line: string) => void = () => {},
): Promise<LocalCluster> {
  const redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
    .find((path) => existsSync(path));
  if (!redisServer) {
    throw new Error(
      "redis-server not found: apt-get install --no-install-recommends redis-server",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "multipool-local-"));
  const port = await freePort();
  const pidFile = join(dir, "redis.pid");
  execFileSync(redisServer, [
    ...["--port", String(port), "--bind", "127.0.0.1", "--save", ""],
    ...["--appendonly", "no", "--daemonize", "yes", "--pidfile", pidFile],
    ...["--dir", dir, "--maxmemory-policy", "noeviction"],
  ]);
  const children: ChildProcess[] = [];
  const stop = (): void => {
    for (const child of children) child.kill("SIGKILL");
    try {
      process.kill(Number(readFileSync(pidFile, "utf8")), "SIGTERM");
    } catch {
      // Not started.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", stop);
  while (!existsSync(pidFile)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const redis = `redis://127.0.0.1:${port}`;
  log(`redis-server on ${redis}`);
  const cli = fileURLToPath(new URL("../cluster/cli.ts", import.meta.url));
  const args = [
    ...["worker", "--redis", redis, "--cluster", cluster],
    ...["--module", fileURLToPath(module), "--processes", String(threads)],
  ];
  for (let i = 0; i < agents; i++) {
    const [file, argv] = deno
      ? [deno.execPath(), ["run", "-A", cli, ...args]]
      : [process.execPath, [cli, ...args]];
    const child = spawn(file, argv, { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`agent exited: ${code}`)));
      child.stdout!.on("data", (data) => {
        if (String(data).includes("serving")) {
          log(String(data).trim());
          resolve();
        }
      });
    });
  }
  return { redis, agents: children, stop };
}
