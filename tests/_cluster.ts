// The cluster suite's world: a redis-server of its own on 127.0.0.1 on a
// free port (pid file, no persistence), and agent processes started with
// short lock timings on the runtime running the suite.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { sleep, until as waitUntil } from "./_wait.ts";

const runtime = globalThis as unknown as { Deno?: { execPath(): string } };

/** "ts" from sources, "js" from the compiled copy of the suite. */
export const extension = new URL(import.meta.url).pathname.endsWith(".ts")
  ? "ts"
  : "js";

/** The cluster task module, as a path and as a URL. */
export const tasksPath: string = fileURLToPath(
  new URL(`./testdata/cluster_tasks.${extension}`, import.meta.url),
);
export const tasksUrl: URL = new URL(
  `./testdata/cluster_tasks.${extension}`,
  import.meta.url,
);

/** The agent's lock duration and stalled interval in the suite (ms). */
export const LOCK = 3000;
export const CHECK = 500;

/** The `multipool` command: the source file, or the built package's. */
function cliPath(): string {
  if (extension === "ts") {
    return fileURLToPath(new URL("../cluster/cli.ts", import.meta.url));
  }
  return fileURLToPath(
    new URL("./cli.js", import.meta.resolve("multipool/cluster")),
  );
}

/** Where redis-server is, or why the suite cannot run. */
export function findRedis(): { path?: string; reason?: string } {
  const candidates = [
    process.env.REDIS_SERVER,
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
  ];
  for (const path of candidates) if (path && existsSync(path)) return { path };
  return { reason: "redis-server not installed (.ci/run installs it)" };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server started for the suite. */
export class RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  #pidFile: string;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.dir = dir;
    this.#pidFile = join(dir, "redis.pid");
  }

  /** Starts redis-server daemonized, with a pid file; waits until it answers. */
  static async start(path: string): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), "multipool-cluster-"));
    const server = new RedisServer(await freePort(), dir);
    execFileSync(path, [
      "--port",
      String(server.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "yes",
      "--pidfile",
      server.#pidFile,
      "--dir",
      dir,
      "--maxmemory-policy",
      "noeviction",
    ]);
    const deadline = Date.now() + 10_000;
    while (!existsSync(server.#pidFile)) {
      if (Date.now() > deadline) throw new Error("redis-server did not start");
      await sleep(20);
    }
    process.on("exit", () => server.stop());
    return server;
  }

  /** Stops the server (SIGTERM by its pid file) and removes its folder. */
  stop(): void {
    try {
      const pid = Number(readFileSync(this.#pidFile, "utf8"));
      if (pid > 0) process.kill(pid, "SIGTERM");
    } catch {
      // Already stopped.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An agent process (`multipool worker`). */
export class AgentProcess {
  readonly child: ChildProcess;
  output = "";
  #exited: Promise<void>;

  constructor(redis: string, cluster: string, extra: string[] = []) {
    const cli = cliPath();
    const args = [
      "worker",
      "--redis",
      redis,
      "--cluster",
      cluster,
      "--module",
      tasksPath,
      "--processes",
      "2",
      "--lock-duration",
      String(LOCK),
      "--stalled-interval",
      String(CHECK * 2),
      ...extra,
    ];
    const [file, argv] = runtime.Deno
      ? [runtime.Deno.execPath(), ["run", "-A", cli, ...args]]
      : [process.execPath, [cli, ...args]];
    this.child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d) => this.output += d);
    this.child.stderr!.on("data", (d) => this.output += d);
    this.#exited = new Promise((resolve) =>
      this.child.once("exit", () => resolve())
    );
  }

  /** The agent's pid. */
  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves once the agent says it serves the cluster. */
  async ready(timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!this.output.includes("serving cluster")) {
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`Agent did not start:\n${this.output}`);
      }
      await sleep(20);
    }
  }

  /** Kills the agent with `signal` and waits for it to exit. */
  async kill(signal: "SIGKILL" | "SIGTERM" = "SIGTERM"): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
    }
    await this.#exited;
  }
}

/** A fresh folder for file gates. */
export function gateDir(): string {
  return mkdtempSync(join(tmpdir(), "multipool-gate-"));
}

/** The items of `gated` that have started, with the pid of their agent. */
export function started(dir: string, n: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const file = join(dir, `started-${i}`);
    // A file seen between its creation and its write is not started yet.
    const pid = existsSync(file) ? Number(readFileSync(file, "utf8")) : 0;
    if (pid > 0) out.set(i, pid);
  }
  return out;
}

/** How many items of `gated` have finished. */
export function finished(dir: string, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (existsSync(join(dir, `finished-${i}`))) count++;
  }
  return count;
}

/** Resolves once `condition()` holds; rejects after `timeout` ms (20 s: agents are processes). */
export function until(
  what: string,
  condition: () => boolean,
  timeout = 20_000,
): Promise<void> {
  return waitUntil(what, condition, timeout);
}

export { sleep };
