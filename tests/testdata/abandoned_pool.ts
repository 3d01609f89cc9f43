// Fixture of tests/adversarial_exit_test.ts: uses a pool roughly (aborts,
// broken-off imaps, timed-out waits, an endless input, crashes) and never
// closes it. The process must still exit by itself.
// Usage: <runtime> abandoned_pool.ts <ThreadPool|Pool> <mode>
//   mode "aborts": running and queued calls aborted, imap broken off,
//     get()/next() timing out, map over an endless async iterable aborted;
//   mode "terminated": terminate() with work pending, never awaited;
//   mode "long-waits": get()/wait()/next() of 2^40 ms pending at terminate();
//   mode "crashes" (Pool): workers exit mid-task and are replaced;
//   mode "pending": the script ends while a long task is still queued behind
//     an aborted one and its result is never awaited.
import * as mp from "../../mod.ts";

const runtime = globalThis as unknown as {
  Deno?: { args: string[] };
  process?: { argv: string[] };
};
const args: string[] = runtime.Deno
  ? runtime.Deno.args
  : runtime.process!.argv.slice(2);
const [className, mode] = args;
const PoolClass =
  (mp as unknown as Record<string, typeof mp.ThreadPool>)[className];
const extension = new URL(import.meta.url).pathname.endsWith(".ts")
  ? "ts"
  : "js";
const module = new URL(`./tasks.${extension}`, import.meta.url).href;
const crashModule = new URL(`./pool_tasks.${extension}`, import.meta.url).href;

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
const settle = (promise: PromiseLike<unknown>): Promise<string> =>
  Promise.resolve(promise).then(() => "ok", (error) => String(error?.name));

if (mode === "aborts") {
  const pool = new PoolClass({ processes: 2, module });
  const controller = new AbortController();
  const { signal } = controller;
  const calls = [
    pool.apply("sleepy", [1, 300], { signal }),
    pool.apply("sleepy", [2, 300], { signal }),
    pool.apply("sleepy", [3, 300], { signal }),
    pool.map("sqrAsync", [1, 2, 3, 4, 5, 6], { signal, chunkSize: 1 }),
  ];
  const endless = (async function* (): AsyncGenerator<number> {
    for (let i = 0;; i++) {
      await sleep(1);
      yield i;
    }
  })();
  calls.push(pool.map("sqr", endless, { signal }));
  await sleep(30);
  controller.abort(new Error("stop"));
  const outcomes = await Promise.all(calls.map(settle));
  for await (const value of pool.imap("sqr", [1, 2, 3, 4, 5, 6, 7, 8])) {
    if (value === 4) break;
  }
  const result = pool.applyAsync("sleepy", [9, 50]);
  const timedOut = await settle(result.get(0));
  const iterator = pool.imap("scrambled", [5]);
  const nextTimedOut = await settle(iterator.next(0));
  console.log(`done ${outcomes.join(",")} ${timedOut} ${nextTimedOut}`);
} else if (mode === "terminated") {
  const pool = new PoolClass({ processes: 2, module });
  const pending = [
    pool.apply("sleepy", [1, 200]),
    pool.map("sqrAsync", [1, 2, 3, 4], 1),
    pool.imap("sqr", [1, 2]).next(),
  ].map(settle);
  pool.terminate();
  console.log(`done ${(await Promise.all(pending)).join(",")}`);
} else if (mode === "long-waits") {
  // Waits of 2^40 ms pending when the pool terminates: their timers must go.
  const pool = new PoolClass({ processes: 2, module });
  const result = pool.applyAsync("sleepy", [1, 300]);
  const iterator = pool.imap("sleepy", [2]);
  const pending = [
    result.wait(2 ** 40),
    result.get(2 ** 40),
    iterator.next(2 ** 40),
    pool.imap("sqr", [3]).next(Infinity),
  ].map(settle);
  await sleep(20);
  await pool.terminate();
  console.log(`done ${(await Promise.all(pending)).join(",")}`);
} else if (mode === "crashes") {
  const pool = new PoolClass({ processes: 2, module: crashModule });
  const outcomes = await Promise.all([
    settle(pool.apply("processExit", [1])),
    settle(pool.apply("uncaught", ["x"])),
    settle(pool.apply("unhandledRejection", ["y"])),
    settle(pool.apply("sleepy", [1, 5])),
  ]);
  console.log(`done ${outcomes.join(",")}`);
} else if (mode === "pending") {
  const pool = new PoolClass({ processes: 1, module });
  const controller = new AbortController();
  const aborted = settle(
    pool.apply("sleepy", [1, 100], { signal: controller.signal }),
  );
  pool.applyAsync("sleepy", [2, 100]);
  controller.abort();
  console.log(`done ${await aborted}`);
} else {
  throw new Error(`unknown mode ${mode}`);
}
