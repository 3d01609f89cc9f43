// Fixture of tests/exit_test.ts: runs one task on a pool and never closes it.
// The process must still exit by itself.
// Usage: <runtime> unclosed_pool.ts <ThreadPool|Pool|Pool[process]> [idle|timeouts|initializer|idleTimeout]
import * as mp from "../../mod.ts";
import { processAdapter } from "../../adapters/process.ts";

const runtime = globalThis as unknown as {
  Deno?: { args: string[] };
  process?: { argv: string[] };
};
const args: string[] = runtime.Deno
  ? runtime.Deno.args
  : runtime.process!.argv.slice(2);
const [className, mode] = args;
// "Pool[process]", or "Pool" while the suite runs with the process adapter
// (MULTIPOOL_TEST_ADAPTER=process, see tests/_pools.ts): adapters/process.
const processes = className === "Pool[process]" ||
  className === "Pool" &&
    (globalThis as { process?: { env: Record<string, string | undefined> } })
        .process?.env.MULTIPOOL_TEST_ADAPTER === "process";
const PoolClass = (mp as unknown as Record<string, typeof mp.ThreadPool>)[
  processes ? "Pool" : className
];
const extension = new URL(import.meta.url).pathname.endsWith(".ts")
  ? "ts"
  : "js";
const module = new URL(`./tasks.${extension}`, import.meta.url).href;
const pool = new PoolClass({
  processes: 2,
  module,
  ...(processes ? { adapter: processAdapter } : {}),
  // Workers that start at once and run an initializer, with nothing to do.
  ...(mode === "initializer" ? { initializer: "setInit", initArgs: [1] } : {}),
  // A long idle timer that must not keep the script alive either.
  ...(mode === "idleTimeout" ? { idleTimeout: 60_000 } : {}),
});
if (mode === "idle" || mode === "initializer") {
  console.log(`idle ${pool.state}`);
} else if (mode === "timeouts") {
  // Long timeouts whose timers must not outlive the results they wait for.
  const result = pool.applyAsync("sqr", [4]);
  const waited = await result.wait(60_000);
  const value = await result.get(60_000);
  const iterator = pool.imap("sqr", [5]);
  const step = await iterator.next(60_000);
  console.log(`timeouts ${waited} ${value} ${step.value}`);
} else {
  console.log(`result ${await pool.apply("sqr", [3])}`);
}
