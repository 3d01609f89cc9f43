// The contenders of every workload of compare.ts. Pools are shared between
// the contenders of one workload and closed by `close()` after it.
import pMap from "p-map";
import { Pool, ThreadPool } from "../mod.ts";
import { type Contender, progress, withTimeout } from "./_harness.ts";
import { FIRST_MAP } from "./_headline.ts";
import { RawFloor } from "./_floors.ts";
import { type PeerPool, PEERS } from "./_peers.ts";
import { pooledMapAll } from "./_pooled_map.ts";
import { fib, square } from "./_tasks.ts";
import { collectGarbage, memory } from "./_runtime.ts";

const TASKS = new URL("./_tasks.ts", import.meta.url);

/** Workload sizes. */
export interface Sizes {
  processes: number;
  tiny: number;
  perMessage: number;
  /** Items of the one-at-a-time (awaited) rows. */
  awaited: number;
  fibN: number;
  fibCount: number;
  memory: number;
  memoryChunk: number;
  checkpoints: number[];
  /** The consumer pauses this long after the first checkpoint. */
  pauseMs: number;
}

const ranges = new Map<number, number[]>();
/** `[0, 1, ..., n - 1]`, cached. */
export function range(n: number): number[] {
  let r = ranges.get(n);
  if (!r) ranges.set(n, r = Array.from({ length: n }, (_, i) => i));
  return r;
}

const prebuilt = new Map<string, { messages: unknown[]; offsets: number[] }>();
/**
 * `range(n)` cut into messages of `size` items (arrays; bare numbers when
 * `size` is 1) and where each starts, built once and reused: the floors that
 * post pre-built messages time only posting and assembling.
 */
export function messagesOf(
  n: number,
  size: number,
): { messages: unknown[]; offsets: number[] } {
  const key = `${n}/${size}`;
  let m = prebuilt.get(key);
  if (!m) {
    const items = range(n);
    m = { messages: [], offsets: [] };
    for (let at = 0; at < n; at += size) {
      m.messages.push(size === 1 ? items[at] : items.slice(at, at + size));
      m.offsets.push(at);
    }
    prebuilt.set(key, m);
  }
  return m;
}

/** `Pool.map`'s default chunk size, as CPython's: `ceil(n / (4 × processes))`. */
export function defaultChunkSize(n: number, processes: number): number {
  return Math.ceil(n / (4 * processes));
}

function check(values: readonly number[], n: number): void {
  if (values.length !== n || values[n - 1] !== (n - 1) * (n - 1)) {
    throw new Error(
      `wrong result: ${values.length} values, last ${values[n - 1]}`,
    );
  }
}

/** Lazily started shared pools of one workload. */
export class Shared {
  readonly #p: number;
  #pool?: Pool;
  #floor?: RawFloor;
  #peers = new Map<string, PeerPool>();
  constructor(processes: number) {
    this.#p = processes;
  }
  async pool(): Promise<Pool> {
    if (!this.#pool) {
      this.#pool = new Pool({ processes: this.#p, module: TASKS });
      await this.#pool.map(square, range(this.#p * 4), 1);
    }
    return this.#pool;
  }
  async floor(): Promise<RawFloor> {
    if (!this.#floor) {
      const floor = new RawFloor();
      await floor.start(this.#p);
      this.#floor = floor;
    }
    return this.#floor;
  }
  async peer(name: string): Promise<PeerPool> {
    let peer = this.#peers.get(name);
    if (!peer) {
      peer = PEERS[name](this.#p);
      this.#peers.set(name, peer);
      await peer.mapEach("square", range(this.#p * 4));
    }
    return peer;
  }
  /**
   * Terminates every pool; a peer whose terminate() hangs or throws is
   * reported and left behind (the run exits at its end anyway), ours fails.
   */
  async close(): Promise<void> {
    await this.#pool?.terminate();
    await this.#floor?.terminate();
    for (const peer of this.#peers.values()) {
      try {
        await withTimeout(peer.terminate(), 10_000, `${peer.name} terminate`);
      } catch (error) {
        progress(`  teardown of ${peer.name} failed: ${error}`);
      }
    }
    this.#pool = this.#floor = undefined;
    this.#peers.clear();
  }
}

/** The floor of the default-chunked map: the same chunks, pre-built, all posted at once, results assembled. */
export const CHUNKS_POSTED = "raw Worker, pre-built chunks all posted";
/** The floor of map chunkSize 1: every item its own message, all posted at once. */
export const ONE_POSTED = "raw Worker, 1 per message, all posted";
/** `apply` awaited one call at a time. */
export const APPLY_AWAITED = "Pool.apply awaited in a loop";
/** Its floor: one bare worker, one message in flight. */
export const PING_PONG_ONE = "raw Worker ping-pong, one in flight";
/** ThreadPool.map with one task per chunk, what p-map does. */
export const TP_CHUNK_1 = "ThreadPool.map chunkSize 1 (async fn)";

/** 100k tiny tasks, and one task per message: multipool, raw floors, peers. */
export function tinyContenders(s: Sizes, sh: Shared): Contender[] {
  const max = s.perMessage;
  const c: Contender[] = [
    {
      name: "Pool.map (default chunking)",
      kind: "ours",
      n: s.tiny,
      run: async (n) => check(await (await sh.pool()).map(square, range(n)), n),
    },
    {
      name: "Pool.imap chunkSize 1",
      kind: "ours",
      n: max,
      run: async (n) => {
        const out: number[] = [];
        for await (const v of (await sh.pool()).imap(square, range(n))) {
          out.push(v);
        }
        check(out, n);
      },
    },
    {
      name: "Pool.map chunkSize 1",
      kind: "ours",
      n: max,
      run: async (n) =>
        check(await (await sh.pool()).map(square, range(n), 1), n),
    },
    {
      name: "Pool.apply, all submitted at once",
      kind: "ours",
      n: max,
      run: async (n) => {
        const pool = await sh.pool();
        const pending: Promise<number>[] = [];
        for (const x of range(n)) pending.push(pool.apply(square, [x]));
        check(await Promise.all(pending), n);
      },
    },
    {
      name: APPLY_AWAITED,
      kind: "ours",
      n: s.awaited,
      run: async (n) => {
        const pool = await sh.pool();
        const out: number[] = [];
        for (const x of range(n)) out.push(await pool.apply(square, [x]));
        check(out, n);
      },
    },
    {
      name: PING_PONG_ONE,
      kind: "floor",
      n: s.awaited,
      run: async (n) => check(await (await sh.floor()).pingPong(range(n)), n),
    },
    {
      name: CHUNKS_POSTED,
      kind: "floor",
      n: s.tiny,
      run: async (n) => {
        const { messages, offsets } = messagesOf(
          n,
          defaultChunkSize(n, s.processes),
        );
        check(await (await sh.floor()).postAll(messages, offsets, n), n);
      },
    },
    {
      name: ONE_POSTED,
      kind: "floor",
      n: max,
      run: async (n) => {
        const { messages, offsets } = messagesOf(n, 1);
        check(await (await sh.floor()).postAll(messages, offsets, n), n);
      },
    },
    {
      name: "raw Worker, 100 per message",
      kind: "floor",
      n: s.tiny,
      run: async (n) => check(await (await sh.floor()).map(range(n), 100), n),
    },
    {
      name: "raw Worker, 1 per message, ping-pong",
      kind: "floor",
      n: max,
      run: async (n) => check(await (await sh.floor()).map(range(n), 1), n),
    },
    {
      name: "raw Worker, 1 per message, 16 in flight",
      kind: "floor",
      n: max,
      run: async (n) => check(await (await sh.floor()).map(range(n), 1, 16), n),
    },
  ];
  for (const name of Object.keys(PEERS)) {
    c.push({
      name: `${name}, run per item`,
      kind: "peer",
      n: max,
      run: async (n) =>
        check(await (await sh.peer(name)).mapEach("square", range(n)), n),
    });
  }
  return c;
}

/** CPU-bound: fibCount × fib(fibN). */
export function cpuContenders(s: Sizes, sh: Shared): Contender[] {
  const items = Array<number>(s.fibCount).fill(s.fibN);
  const expected = fib(s.fibN);
  const ok = (values: number[]): void => {
    if (values.length !== items.length || values.some((v) => v !== expected)) {
      throw new Error("wrong fib result");
    }
  };
  const c: Contender[] = [
    {
      name: "one thread (plain loop)",
      kind: "baseline",
      n: items.length,
      run: () => ok(items.map(fib)),
    },
    {
      name: "Pool.map",
      kind: "ours",
      n: items.length,
      run: async () => ok(await (await sh.pool()).map(fib, items)),
    },
    {
      name: "raw Worker, 1 per message (no pool)",
      kind: "floor",
      n: items.length,
      run: async () => ok(await (await sh.floor()).fibEach(items)),
    },
    {
      name: "Pool.imap",
      kind: "ours",
      n: items.length,
      run: async () => {
        const out: number[] = [];
        for await (const v of (await sh.pool()).imap(fib, items)) out.push(v);
        ok(out);
      },
    },
  ];
  for (const name of Object.keys(PEERS)) {
    c.push({
      name: `${name}, run per item`,
      kind: "peer",
      n: items.length,
      run: async () => ok(await (await sh.peer(name)).mapEach("fib", items)),
    });
  }
  return c;
}

/** In-process: 100k tiny async tasks, `processes` at a time. */
export function threadContenders(s: Sizes): Contender[] {
  let tp: ThreadPool | undefined;
  const pool = (): ThreadPool => (tp ??= new ThreadPool(s.processes));
  // The task is async on purpose: it measures awaiting a promise per item.
  // deno-lint-ignore require-await
  const asyncSquare = async (x: number): Promise<number> => x * x;
  const syncSquare = (x: number): number => x * x;
  return [
    {
      name: "ThreadPool.map (async fn)",
      kind: "ours",
      n: s.tiny,
      run: async (n) => check(await pool().map(asyncSquare, range(n)), n),
    },
    {
      name: "ThreadPool.map (sync fn)",
      kind: "ours",
      n: s.tiny,
      run: async (n) => check(await pool().map(syncSquare, range(n)), n),
    },
    {
      name: TP_CHUNK_1,
      kind: "ours",
      n: s.tiny,
      run: async (n) => check(await pool().map(asyncSquare, range(n), 1), n),
    },
    {
      name: "ThreadPool.imap chunkSize 1 (async fn)",
      kind: "ours",
      n: s.perMessage,
      run: async (n) => {
        const out: number[] = [];
        for await (const v of pool().imap(asyncSquare, range(n))) out.push(v);
        check(out, n);
      },
      teardown: async () => {
        await tp?.terminate();
        tp = undefined;
      },
    },
    {
      name: `p-map, concurrency ${s.processes}`,
      kind: "peer",
      n: s.tiny,
      run: async (n) =>
        check(
          await pMap(range(n), asyncSquare, { concurrency: s.processes }),
          n,
        ),
    },
    {
      name: `pooledMap-style limiter, ${s.processes} at a time`,
      kind: "peer",
      n: s.perMessage,
      run: async (n) =>
        check(await pooledMapAll(s.processes, range(n), asyncSquare), n),
    },
    {
      name: "Promise.all, unbounded",
      kind: "floor",
      n: s.tiny,
      run: async (n) => check(await Promise.all(range(n).map(asyncSquare)), n),
    },
  ];
}

/** Pool start-up to the first result (then shut down, untimed). */
export function startupContenders(s: Sizes): Contender[] {
  const timed = async (
    start: () => Promise<unknown>,
    stop: () => Promise<unknown>,
  ): Promise<{ overriddenDuration: number }> => {
    const t = performance.now();
    await start();
    const overriddenDuration = performance.now() - t;
    await stop();
    return { overriddenDuration };
  };
  const c: Contender[] = [
    {
      name: "Pool",
      kind: "ours",
      n: 1,
      run: () => {
        let pool: Pool;
        return timed(
          () =>
            (pool = new Pool({ processes: s.processes, module: TASKS })).apply(
              square,
              [3],
            ),
          () => pool.terminate(),
        );
      },
    },
    {
      // The headline's "first call": a fresh pool's first map of the tiny
      // workload, start-up and cold code included.
      name: FIRST_MAP,
      kind: "ours",
      n: 1,
      run: () => {
        let pool: Pool;
        return timed(
          async () =>
            check(
              await (pool = new Pool({ processes: s.processes, module: TASKS }))
                .map(square, range(s.tiny)),
              s.tiny,
            ),
          () => pool.terminate(),
        );
      },
    },
    {
      name: "ThreadPool",
      kind: "ours",
      n: 1,
      run: () => {
        let pool: ThreadPool;
        return timed(
          () => (pool = new ThreadPool(s.processes)).apply(square, [3]),
          () => pool.terminate(),
        );
      },
    },
    {
      name: `raw Worker × ${s.processes}`,
      kind: "floor",
      n: 1,
      run: () => {
        const floor = new RawFloor();
        return timed(() => floor.start(s.processes), () => floor.terminate());
      },
    },
  ];
  for (const name of Object.keys(PEERS)) {
    c.push({
      name,
      kind: "peer",
      n: 1,
      run: () => {
        let peer: PeerPool;
        return timed(
          () => (peer = PEERS[name](s.processes)).run("square", 3),
          () => peer.terminate(),
        );
      },
    });
  }
  return c;
}

/** One checkpoint of imap over an endless generator. */
export interface MemoryPoint {
  results: number;
  heapUsed: number;
  rss: number;
  readAhead: number;
}

/** imap over an endless generator: memory and read-ahead at each checkpoint. */
export async function memoryRun(
  kind: "Pool" | "ThreadPool",
  s: Sizes,
  onProgress: (message: string) => void,
): Promise<
  {
    gc: boolean;
    before: { heapUsed: number; rss: number };
    points: MemoryPoint[];
  }
> {
  const pool = kind === "Pool"
    ? new Pool({ processes: s.processes, module: TASKS })
    : new ThreadPool(s.processes);
  const gc = collectGarbage();
  const before = memory();
  let produced = 0;
  function* endless(): Generator<number> {
    for (let i = 0;; i++) {
      produced++;
      yield i;
    }
  }
  const points: MemoryPoint[] = [];
  const total = Math.max(...s.checkpoints);
  let k = 0;
  try {
    for await (
      const v of pool.imap(square, endless(), { chunkSize: s.memoryChunk })
    ) {
      if (v !== k * k) throw new Error(`imap result ${k} is ${v}`);
      k++;
      if (s.checkpoints.includes(k)) {
        collectGarbage();
        points.push({ results: k, ...memory(), readAhead: produced - k });
        onProgress(`  [memory] ${kind}.imap: ${k} results`);
        if (k >= total) break;
        // A slow consumer: pause once, so an eager pool would run ahead.
        if (k === s.checkpoints[0]) {
          await new Promise((r) => setTimeout(r, s.pauseMs));
        }
      }
    }
  } finally {
    await pool.terminate();
  }
  return { gc, before, points };
}
