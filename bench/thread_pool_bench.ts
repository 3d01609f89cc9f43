// `deno bench -A bench/`: ThreadPool's map/imap/apply against in-process
// concurrency limiters (p-map, a pooledMap-style limiter) and the unbounded
// floor, Promise.all.
import pMap from "p-map";
import { ThreadPool } from "../mod.ts";
import { pooledMapAll } from "./_pooled_map.ts";

const PROCESSES = 2;
const items = Array.from({ length: 100_000 }, (_, i) => i);
const few = items.slice(0, 10_000);
// The task is async on purpose: it measures awaiting a promise per item.
// deno-lint-ignore require-await
const asyncSquare = async (x: number): Promise<number> => x * x;
const pool = new ThreadPool(PROCESSES);

async function drain(it: AsyncIterable<number>): Promise<number> {
  let last = 0;
  for await (const v of it) last = v;
  return last;
}

Deno.bench({
  name: "ThreadPool.map",
  group: "100k tiny async tasks",
  baseline: true,
  async fn() {
    await pool.map(asyncSquare, items);
  },
});
Deno.bench({
  name: "p-map, concurrency 2",
  group: "100k tiny async tasks",
  async fn() {
    await pMap(items, asyncSquare, { concurrency: PROCESSES });
  },
});
Deno.bench({
  name: "pooledMap-style limiter, 2 at a time",
  group: "100k tiny async tasks",
  async fn() {
    await pooledMapAll(PROCESSES, items, asyncSquare);
  },
});
Deno.bench({
  name: "Promise.all, unbounded (floor)",
  group: "100k tiny async tasks",
  async fn() {
    await Promise.all(items.map(asyncSquare));
  },
});

Deno.bench({
  name: "ThreadPool.imap, chunkSize 1",
  group: "10k tiny async tasks, one at a time",
  baseline: true,
  async fn() {
    await drain(pool.imap(asyncSquare, few));
  },
});
Deno.bench({
  name: "ThreadPool.apply in a loop",
  group: "10k tiny async tasks, one at a time",
  async fn() {
    await Promise.all(few.map((x) => pool.apply(asyncSquare, [x])));
  },
});
Deno.bench({
  name: "pooledMap-style limiter, 2 at a time",
  group: "10k tiny async tasks, one at a time",
  async fn() {
    await pooledMapAll(PROCESSES, few, asyncSquare);
  },
});
