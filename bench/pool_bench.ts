// `deno bench -A bench/`: Pool's map/imap/apply against the raw floors
// measured in the same file, a bare Worker ping-pong with one item per
// message and with 100 items per message. For peers and CPython see compare.ts.
import { Pool } from "../mod.ts";
import { RawFloor } from "./_floors.ts";
import { square } from "./_tasks.ts";

const PROCESSES = 2;
const TINY = 100_000;
const PER_MESSAGE = 5_000;
const tiny = Array.from({ length: TINY }, (_, i) => i);
const few = tiny.slice(0, PER_MESSAGE);

const pool = new Pool({
  processes: PROCESSES,
  module: new URL("./_tasks.ts", import.meta.url),
});
await pool.map(square, few, 1);
const floor = new RawFloor();
await floor.start(PROCESSES);

async function drain(it: AsyncIterable<number>): Promise<number> {
  let last = 0;
  for await (const v of it) last = v;
  return last;
}

Deno.bench({
  name: "Pool.map, default chunking",
  group: "100k tiny tasks",
  baseline: true,
  async fn() {
    await pool.map(square, tiny);
  },
});
Deno.bench({
  name: "Pool.imap, chunkSize 1000",
  group: "100k tiny tasks",
  async fn() {
    await drain(pool.imap(square, tiny, 1000));
  },
});
Deno.bench({
  name: "raw Worker, 100 per message (floor)",
  group: "100k tiny tasks",
  async fn() {
    await floor.map(tiny, 100);
  },
});

Deno.bench({
  name: "Pool.imap, chunkSize 1",
  group: "5k tasks, one per message",
  baseline: true,
  async fn() {
    await drain(pool.imap(square, few));
  },
});
Deno.bench({
  name: "Pool.map, chunkSize 1",
  group: "5k tasks, one per message",
  async fn() {
    await pool.map(square, few, 1);
  },
});
Deno.bench({
  name: "Pool.apply in a loop",
  group: "5k tasks, one per message",
  async fn() {
    await Promise.all(few.map((x) => pool.apply(square, [x])));
  },
});
Deno.bench({
  name: "raw Worker ping-pong (floor)",
  group: "5k tasks, one per message",
  async fn() {
    await floor.map(few, 1);
  },
});
Deno.bench({
  name: "raw Worker, 16 in flight (floor)",
  group: "5k tasks, one per message",
  async fn() {
    await floor.map(few, 1, 16);
  },
});

Deno.bench({
  name: "Pool.apply",
  group: "one round trip",
  baseline: true,
  async fn() {
    await pool.apply(square, [3]);
  },
});
Deno.bench({
  name: "raw Worker ping-pong (floor)",
  group: "one round trip",
  async fn() {
    await floor.map([3], 1);
  },
});

// Idle pool workers never hold the process open; the raw floor's would.
globalThis.addEventListener("unload", () => {
  floor.terminate();
});
