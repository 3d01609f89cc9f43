// The peer worker pools, each driven the best way it offers for a list of
// tiny tasks. None of them batches, so "best" is one `run`/`exec` per item,
// all submitted at once (the pool pipelines them).
import { Piscina } from "piscina";
import { Tinypool } from "tinypool";
import workerpool from "workerpool";
import { runtime } from "./_runtime.ts";

const TASKS = new URL("./_tasks.ts", import.meta.url);
const WORKERPOOL_TASKS = new URL("./_workerpool_worker.ts", import.meta.url);

/** One peer pool, started and stopped by the harness. */
export interface PeerPool {
  readonly name: string;
  /** Run the exported task `name` on every item; results in order. */
  mapEach(name: "square" | "fib", items: readonly number[]): Promise<number[]>;
  /** Run one task. */
  run(name: "square" | "fib", item: number): Promise<number>;
  terminate(): Promise<void>;
}

/** The peer pools, by name. */
export const PEERS: Record<string, (workers: number) => PeerPool> = {
  piscina(workers) {
    const pool = new Piscina({
      filename: TASKS.href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 60_000,
    });
    return wrap(
      "piscina",
      (name, x) => pool.run(x, { name }),
      () => pool.destroy(),
    );
  },
  tinypool(workers) {
    const pool = new Tinypool({
      filename: TASKS.href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 60_000,
      // Deno 2.9: with Atomics, tinypool's first tasks usually never answer.
      useAtomics: runtime !== "deno",
    });
    return wrap(
      "tinypool",
      (name, x) => pool.run(x, { name }),
      () => pool.destroy(),
    );
  },
  workerpool(workers) {
    const pool = workerpool.pool(pathOf(WORKERPOOL_TASKS), {
      minWorkers: workers,
      maxWorkers: workers,
      // On Bun a worker_threads worker also looks like a Web Worker to workerpool
      // and answers on the wrong channel; its Web Worker mode works.
      workerType: runtime === "bun" ? "web" : "thread",
    });
    return wrap(
      "workerpool",
      (name, x) => pool.exec(name, [x]) as unknown as Promise<number>,
      async () => {
        await pool.terminate();
      },
    );
  },
};

// poolifier is optional: it joins the peers when it is installed (it is not a
// devDependency yet).
const POOLIFIER_TASKS = new URL("./_poolifier_worker.ts", import.meta.url);
const poolifierName = "poolifier";
// deno-lint-ignore no-explicit-any
const poolifier: any = await import(poolifierName).catch(() => undefined);
// On Deno 2.9 the first task of a fresh poolifier pool sometimes never answers.
if (poolifier?.FixedThreadPool && runtime !== "deno") {
  PEERS.poolifier = (workers) => {
    const pool = new poolifier.FixedThreadPool(
      workers,
      pathOf(POOLIFIER_TASKS),
      {
        errorHandler: (e: unknown) => console.error(e),
      },
    );
    return {
      name: "poolifier",
      run: (task, x) => pool.execute(x, task),
      // Its best way for a list: one call, still one message per item.
      mapEach: (task, items) => pool.mapExecute(items, task),
      terminate: () => pool.destroy(),
    };
  };
}

/**
 * Peers known to hang on a runtime, even with the workarounds above (their
 * bug, not ours), and why. The full run (`npm run bench`) still tries them,
 * each under the harness's per-contender timeout, so their numbers appear
 * when they work; the smoke run of `npm test` leaves them out there with
 * {@linkcode dropKnownHangs}, so a peer's bug cannot turn it red.
 */
export const KNOWN_HANGS: Record<string, Partial<Record<string, string>>> = {
  workerpool: {
    bun: "in its thread mode its worker answers on the wrong channel and " +
      "never replies; the web-mode workaround is known to hang too (issue 14)",
  },
  tinypool: {
    deno: "with Atomics its first tasks usually never answer; the run " +
      "without them is known to hang too (issue 14)",
  },
};

/**
 * Removes from {@linkcode PEERS} the peers known to hang on this runtime;
 * returns one line per peer removed, saying why.
 */
export function dropKnownHangs(): string[] {
  const dropped: string[] = [];
  for (const [name, runtimes] of Object.entries(KNOWN_HANGS)) {
    const why = runtimes[runtime];
    if (why && name in PEERS) {
      delete PEERS[name];
      dropped.push(`${name} left out on ${runtime}: ${why}`);
    }
  }
  return dropped;
}

function wrap(
  name: string,
  run: (task: string, x: number) => Promise<number>,
  terminate: () => Promise<void>,
): PeerPool {
  return {
    name,
    run: (task, x) => run(task, x),
    mapEach: (task, items) => Promise.all(items.map((x) => run(task, x))),
    terminate,
  };
}

function pathOf(url: URL): string {
  return decodeURIComponent(url.pathname);
}
