// What the benchmark runs on, and the few runtime APIs it needs, reached the
// same way on Deno, Node and Bun.
import os from "node:os";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** The runtime's name. */
export const runtime: "deno" | "bun" | "node" = g.Deno
  ? "deno"
  : g.Bun
  ? "bun"
  : "node";

/** A one-line description: runtime, engine, OS, CPU, cores. */
export function describeRuntime(): RuntimeInfo {
  let version: string;
  let engine: string;
  if (runtime === "deno") {
    version = `Deno ${g.Deno.version.deno}`;
    engine = `V8 ${g.Deno.version.v8}`;
  } else if (runtime === "bun") {
    version = `Bun ${g.Bun.version}`;
    engine = "JavaScriptCore";
  } else {
    version = `Node ${g.process.versions.node}`;
    engine = `V8 ${g.process.versions.v8}`;
  }
  const cpus = os.cpus();
  return {
    runtime,
    version,
    engine,
    cores: cpus.length || (g.navigator?.hardwareConcurrency ?? 1),
    cpu: cpus[0]?.model?.trim() ?? "unknown CPU",
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
}

/** See {@linkcode describeRuntime}. */
export interface RuntimeInfo {
  runtime: string;
  version: string;
  engine: string;
  cores: number;
  cpu: string;
  os: string;
  date: string;
}

/** Collect garbage if the runtime lets us; returns whether it did. */
export function collectGarbage(): boolean {
  if (runtime === "bun") {
    g.Bun.gc(true);
    return true;
  }
  if (typeof g.gc === "function") {
    g.gc();
    return true;
  }
  return false;
}

/** Heap used and resident set size, in bytes. */
export function memory(): { heapUsed: number; rss: number } {
  if (runtime === "deno") {
    const m = g.Deno.memoryUsage();
    return { heapUsed: m.heapUsed, rss: m.rss };
  }
  const m = g.process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}

/** A bare worker: Web `Worker` on Deno and Bun, `worker_threads` on Node. */
export interface RawWorker {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  terminate(): Promise<void>;
}

/** Start a bare worker running the module at `url`. */
export async function spawnRawWorker(url: URL): Promise<RawWorker> {
  if (runtime !== "node") {
    const w = new g.Worker(url.href, { type: "module" });
    return {
      post: (m) => w.postMessage(m),
      onMessage: (l) => {
        w.onmessage = (e: MessageEvent) => l(e.data);
      },
      terminate: () => {
        w.terminate();
        return Promise.resolve();
      },
    };
  }
  const { Worker } = await import("node:worker_threads");
  const w = new Worker(url);
  return {
    post: (m) => w.postMessage(m),
    onMessage: (l) => {
      w.removeAllListeners("message");
      w.on("message", l);
    },
    terminate: async () => {
      await w.terminate();
    },
  };
}

/** Whether `--smoke` or `MULTIPOOL_BENCH_SMOKE=1` asks for a tiny run. */
export function args(): string[] {
  if (runtime === "deno") return g.Deno.args;
  return g.process.argv.slice(2);
}

/** End the process now. */
export function exit(code: number): void {
  if (runtime === "deno") g.Deno.exit(code);
  else g.process.exit(code);
}

/** An environment variable, or undefined. */
export function env(name: string): string | undefined {
  if (runtime === "deno") return g.Deno.env.get(name);
  return g.process.env[name];
}
