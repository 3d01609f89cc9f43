// Fixture of tests/process_test.ts: a pool of two worker processes, one
// looping synchronously, one idle; prints their pids as JSON, then waits to
// be killed (the test kills it with SIGKILL and checks that no child is left).
import { Pool } from "../../mod.ts";
import { processAdapter } from "../../adapters/process.ts";

const pool = new Pool({ processes: 2, adapter: processAdapter });
// deno-lint-ignore no-explicit-any
const pid = () => (globalThis as any).process.pid as number;
// Work goes to the first worker ready: ask until both have answered.
const pids = new Set<number>();
for (let round = 0; pids.size < 2 && round < 1000; round++) {
  for (const child of await pool.map(pid, [1, 2], 1)) pids.add(child);
  if (pids.size < 2) await new Promise((resolve) => setTimeout(resolve, 20));
}
pool.apply(() => {
  for (;;) {
    // Only killing the process stops this.
  }
});
await new Promise((resolve) => setTimeout(resolve, 200));
console.log(JSON.stringify([...pids]));
setInterval(() => {}, 1000);
