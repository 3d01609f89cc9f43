// ClusterPool against a real Redis and real agent processes: the core's
// Pool cases that apply to a cluster, and what only a cluster has (agents
// killed or started mid-map, many chunks, abort and terminate across agents).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import {
  BrokenPoolError,
  PoolTerminatedError,
  WorkerCrashedError,
} from "../mod.ts";
import { ClusterPool, type ClusterPoolOptions } from "../cluster/mod.ts";
import {
  AgentProcess,
  CHECK,
  extension,
  findRedis,
  finished,
  gateDir,
  LOCK,
  RedisServer,
  sleep,
  started,
  tasksUrl,
  until,
} from "./_cluster.ts";
import { variant } from "./_pools.ts";
import { ABORT_GRACE_MS } from "../src/_worker_timers.ts";

type Tasks = typeof import("./testdata/cluster_tasks.ts");

const found = findRedis();
const redisPath = found.path;
// The agents run the runtime's own Pool: the Pool adapter variants of the
// suite (MULTIPOOL_TEST_ADAPTER) would run the very same cluster cases again.
const reason = variant === undefined
  ? found.reason
  : `the cluster suite runs once per runtime, not per Pool adapter variant (${variant})`;
const skip = reason ? ` (skipped: ${reason})` : "";
const runtime = globalThis as unknown as { Deno?: { execPath(): string } };

let redis: RedisServer;
const agents: AgentProcess[] = [];
let clusters = 0;

/** A pool on `cluster` (default: the one the two main agents serve). */
function pool(options: Partial<ClusterPoolOptions> = {}): ClusterPool {
  return new ClusterPool({
    redis: redis.url,
    cluster: "main",
    module: tasksUrl,
    checkInterval: CHECK,
    ...options,
  });
}

/** Starts `n` agents on a cluster of their own; returns the cluster's name and them. */
async function ownCluster(
  n: number,
  extra: string[] = [],
): Promise<{ cluster: string; own: AgentProcess[] }> {
  const cluster = `c${++clusters}`;
  const own = Array.from(
    { length: n },
    () => new AgentProcess(redis.url, cluster, extra),
  );
  agents.push(...own);
  await Promise.all(own.map((agent) => agent.ready()));
  return { cluster, own };
}

describe(`ClusterPool on Redis with agent processes${skip}`, {
  skip: reason ?? false,
}, () => {
  let main: AgentProcess[] = [];

  before(async () => {
    redis = await RedisServer.start(redisPath!);
    main = [
      new AgentProcess(redis.url, "main"),
      new AgentProcess(redis.url, "main"),
    ];
    agents.push(...main);
    await Promise.all(main.map((agent) => agent.ready()));
  });

  after(async () => {
    await Promise.all(agents.map((agent) => agent.kill("SIGKILL")));
    redis?.stop();
  });

  test("map() keeps input order with chunks on both agents", async () => {
    const p = pool();
    try {
      const xs = Array.from({ length: 200 }, (_, i) => i);
      assert.deepEqual(await p.map("sqr", xs, 7), xs.map((x) => x * x));
      const pids = await p.map("whoRan", Array(40).fill(20), 1);
      assert.deepEqual(new Set(pids), new Set(main.map((a) => a.pid)));
    } finally {
      await p.terminate();
    }
  });

  test("processes defaults to the threads of the registered agents", async () => {
    const p = pool();
    try {
      await p.apply("sqr", [2]);
      assert.equal(p.processes, 4);
      const fixed = pool({ processes: 3 });
      assert.equal(fixed.processes, 3);
      await fixed.terminate();
    } finally {
      await p.terminate();
    }
  });

  test("apply, starmap, imap, imapUnordered and the *Async forms", async () => {
    const p = pool();
    try {
      const tasks = await import(tasksUrl.href) as Tasks;
      assert.equal(await p.apply(tasks.add, [2, 3]), 5);
      assert.equal(await p.apply(Math.max, [1, 7, 3]), 7);
      assert.deepEqual(await p.starmap("add", [[1, 2], [3, 4]]), [3, 7]);
      const ordered: number[] = [];
      for await (const v of p.imap(tasks.sqr, [1, 2, 3, 4])) ordered.push(v);
      assert.deepEqual(ordered, [1, 4, 9, 16]);
      const unordered: number[] = [];
      for await (const v of p.imapUnordered("sqr", [1, 2, 3])) {
        unordered.push(v as number);
      }
      assert.deepEqual(unordered.sort(), [1, 4, 9]);
      let seen: unknown;
      const result = p.mapAsync("sqr", [5, 6], { callback: (v) => seen = v });
      assert.deepEqual(await result.get(), [25, 36]);
      assert.deepEqual(seen, [25, 36]);
      assert.equal(result.successful(), true);
      const values = await p.map("identity", [
        new Map([[1, new Set([2n])]]),
        new Date(5),
        new Uint8Array([1, 2]),
      ]);
      assert.deepEqual(values, [
        new Map([[1, new Set([2n])]]),
        new Date(5),
        new Uint8Array([1, 2]),
      ]);
    } finally {
      await p.terminate();
    }
  });

  test("task errors keep class, name, message, own properties and cause; other items complete", async () => {
    const p = pool();
    try {
      await assert.rejects(
        p.apply("throwCustom", ["bad", "E_BAD"]),
        (error: Error & { code?: string }) => {
          assert.equal(error.name, "CustomError");
          assert.equal(error.message, "bad");
          assert.equal(error.code, "E_BAD");
          assert.ok(error.cause instanceof TypeError);
          assert.equal((error.cause as Error).message, "the cause");
          return true;
        },
      );
      const out: unknown[] = [];
      for await (
        const item of iterate(p.imap("sqrNonNegative", [1, -2, 3], 3))
      ) out.push(item);
      assert.equal(out[0], 1);
      assert.ok(out[1] instanceof RangeError);
      assert.equal((out[1] as Error).message, "negative: -2");
      assert.equal(out[2], 9);
      await assert.rejects(p.apply("noSuchExport", []), TypeError);
    } finally {
      await p.terminate();
    }
  });

  test("closures, transfer and SharedArrayBuffer are refused with clear errors", async () => {
    const p = pool();
    try {
      const offset = 1;
      await assert.rejects(
        p.apply((x: number) => x + offset, [1]),
        (error: Error) => {
          assert.equal(error.name, "TypeError");
          assert.match(error.message, /sent as source text.*--allow-source/);
          return true;
        },
      );
      const buffer = new ArrayBuffer(8);
      await assert.rejects(
        p.apply("identity", [buffer], { transfer: [buffer] }),
        /transfer/,
      );
      await assert.rejects(
        p.map("identity", [buffer], {
          transfer: (item: ArrayBuffer) => [item],
        }),
        /transfer/,
      );
      await assert.rejects(
        p.apply("identity", [new SharedArrayBuffer(8)]),
        (error: Error) =>
          error.name === "DataCloneError" &&
          /SharedArrayBuffer/.test(error.message),
      );
      await assert.rejects(p.apply("identity", [{ f: () => 1 }]), {
        name: "DataCloneError",
      });
      assert.equal(await p.apply("sqr", [3]), 9);
    } finally {
      await p.terminate();
    }
  });

  test("source-text tasks run only on agents started with --allow-source", async () => {
    const { cluster } = await ownCluster(1, ["--allow-source"]);
    const p = pool({ cluster });
    try {
      assert.equal(await p.apply((x: number) => x * 3, [2]), 6);
      const offset = 1;
      await assert.rejects(
        p.apply((x: number) => x + offset, [1]),
        ReferenceError,
      );
    } finally {
      await p.terminate();
    }
  });

  test("a task module whose content differs from the agent's is refused", async () => {
    const dir = gateDir();
    const other = join(dir, `tasks.${extension === "ts" ? "ts" : "js"}`);
    writeFileSync(other, "export function sqr(x) { return x * x + 1; }\n");
    const p = pool({ module: other });
    try {
      await assert.rejects(
        p.apply("sqr", [2]),
        /task module differs from the pool's/,
      );
    } finally {
      await p.terminate();
    }
  });

  test("the initializer runs in every agent worker; maxTasksPerChild replaces them", async () => {
    const dir = gateDir();
    const log = join(dir, "inits");
    const p = pool({
      initializer: "countInit",
      initArgs: [log],
      maxTasksPerChild: 1,
    });
    try {
      const threads = await p.map("thread", Array(6).fill(0), 1);
      assert.equal(new Set(threads).size >= 3, true, `threads ${threads}`);
      p.close();
      await p.join();
      const { readFileSync } = await import("node:fs");
      const inits = readFileSync(log, "utf8").trim().split("\n").length;
      assert.ok(inits >= 6, `initializer ran ${inits} times for 6 chunks`);
    } finally {
      await p.terminate();
    }
  });

  test("a throwing initializer breaks the pool with BrokenPoolError", async () => {
    const p = pool({ initializer: "failInit" });
    try {
      await assert.rejects(p.map("sqr", [1, 2, 3], 1), (error: Error) => {
        assert.ok(error instanceof BrokenPoolError);
        assert.match(
          String((error.cause as Error)?.message),
          /initializer failed on purpose/,
        );
        return true;
      });
      await assert.rejects(p.apply("sqr", [1]), BrokenPoolError);
    } finally {
      await p.terminate();
    }
  });

  test("an agent killed with SIGKILL mid-map fails exactly its chunks with WorkerCrashedError", async () => {
    const { cluster, own } = await ownCluster(2);
    const dir = gateDir();
    const p = pool({ cluster });
    try {
      const calls = Array.from(
        { length: 4 },
        (_, i) => p.apply("gated", [{ dir, i }]),
      );
      for (const call of calls) call.catch(() => {});
      await until(
        "4 chunks started on 2 agents",
        () => started(dir, 4).size === 4,
      );
      const where = started(dir, 4);
      const victim = own[0];
      assert.deepEqual(new Set(where.values()), new Set(own.map((a) => a.pid)));
      const t0 = Date.now();
      await victim.kill("SIGKILL");
      const outcomes = await Promise.allSettled(
        calls.map((call, i) =>
          where.get(i) === victim.pid ? call : call.finally(() => {})
        ).map((call, i) => {
          if (where.get(i) !== victim.pid) writeFileSync(join(dir, "open"), "");
          return call;
        }),
      );
      const elapsed = Date.now() - t0;
      outcomes.forEach((outcome, i) => {
        if (where.get(i) === victim.pid) {
          assert.equal(outcome.status, "rejected", `item ${i}`);
          assert.ok(
            (outcome as PromiseRejectedResult).reason instanceof
              WorkerCrashedError,
          );
        } else assert.deepEqual(outcome, { status: "fulfilled", value: i });
      });
      // Lock duration plus check time, with room for a loaded machine.
      assert.ok(elapsed < 10 * (LOCK + CHECK), `noticed after ${elapsed} ms`);
      // Never a silent retry: the survivor did not run the victim's items again.
      assert.equal(finished(dir, 4), 2);
    } finally {
      await p.terminate();
    }
  });

  test("an agent started after the map began takes chunks", async () => {
    const { cluster, own } = await ownCluster(1);
    const dir = gateDir();
    const p = pool({ cluster });
    try {
      const items = Array.from({ length: 12 }, (_, i) => ({ dir, i }));
      const result = p.map("gated", items, 1);
      result.catch(() => {});
      await until("2 chunks running", () => started(dir, 12).size === 2);
      const late = new AgentProcess(redis.url, cluster);
      agents.push(late);
      await late.ready();
      await until(
        "the late agent started a chunk",
        () => [...started(dir, 12).values()].includes(late.pid),
      );
      writeFileSync(join(dir, "open"), "");
      assert.deepEqual(await result, items.map((item) => item.i));
      const pids = new Set(started(dir, 12).values());
      assert.deepEqual(pids, new Set([own[0].pid, late.pid]));
    } finally {
      await p.terminate();
    }
  });

  test("a 10,000-chunk map loses no completion", {
    timeout: 120_000,
  }, async () => {
    const p = pool({ processes: 64 });
    try {
      const xs = Array.from({ length: 10_000 }, (_, i) => i);
      const values = await p.map("sqr", xs, 1);
      assert.equal(values.length, 10_000);
      assert.deepEqual(values, xs.map((x) => x * x));
    } finally {
      await p.terminate();
    }
  });

  test("abort removes waiting jobs and cancels running ones on both agents", async () => {
    const dir = gateDir();
    const p = pool();
    const client = new Redis(redis.url);
    try {
      const controller = new AbortController();
      const items = Array.from({ length: 12 }, (_, i) => ({ dir, i }));
      const result = p.map("gated", items, {
        chunkSize: 1,
        signal: controller.signal,
      });
      await until("4 chunks running", () => started(dir, 12).size === 4);
      assert.equal(new Set(started(dir, 12).values()).size, 2);
      controller.abort(new Error("stop"));
      await assert.rejects(result, /stop/);
      // Cancelling on an agent takes a message: wait until none is active.
      let active = -1;
      while (active !== 0) {
        active = await client.llen("multipool:main:active");
        await sleep(20);
      }
      assert.equal(await client.llen("multipool:main:wait"), 0);
      // An aborted running task has a grace to end by itself (it ignores its
      // taskSignal here): open the gate only once that is over.
      await sleep(ABORT_GRACE_MS + 300);
      writeFileSync(join(dir, "open"), "");
      await sleep(500);
      assert.equal(started(dir, 12).size, 4, "a chunk started after the abort");
      assert.equal(finished(dir, 12), 0, "a running chunk was not stopped");
      assert.equal(await p.apply("sqr", [4]), 16);
    } finally {
      client.disconnect();
      await p.terminate();
    }
  });

  test("terminate() rejects everything and stops the agents' work of that pool", async () => {
    const dir = gateDir();
    const p = pool();
    const client = new Redis(redis.url);
    try {
      const items = Array.from({ length: 12 }, (_, i) => ({ dir, i }));
      const result = p.map("gated", items, 1);
      const single = p.apply("gated", [{ dir, i: 20 }]);
      result.catch(() => {});
      single.catch(() => {});
      await until("4 chunks running", () => started(dir, 12).size === 4);
      await p.terminate();
      await assert.rejects(result, PoolTerminatedError);
      await assert.rejects(single, PoolTerminatedError);
      let active = -1;
      while (active !== 0) {
        active = await client.llen("multipool:main:active");
        await sleep(20);
      }
      assert.equal(await client.llen("multipool:main:wait"), 0);
      // An aborted running task has a grace to end by itself (it ignores its
      // taskSignal here): open the gate only once that is over.
      await sleep(ABORT_GRACE_MS + 300);
      writeFileSync(join(dir, "open"), "");
      await sleep(500);
      assert.equal(finished(dir, 12) + finished(dir, 21), 0);
      assert.equal(p.state, "terminated");
      const q = pool();
      assert.equal(await q.apply("sqr", [5]), 25);
      await q.terminate();
    } finally {
      client.disconnect();
      await p.terminate();
    }
  });

  test("an idle ClusterPool does not keep the process alive", async () => {
    const script = new URL(
      `./testdata/cluster_unclosed.${extension}`,
      import.meta.url,
    );
    const path = decodeURIComponent(script.pathname);
    const [file, argv] = runtime.Deno
      ? [runtime.Deno.execPath(), ["run", "-A", path, redis.url]]
      : [process.execPath, [path, redis.url]];
    const { code, stdout } = await new Promise<
      { code: number | string; stdout: string }
    >((resolve) => {
      execFile(file, argv, { timeout: 20_000 }, (error, stdout) => {
        const failure = error as
          | (Error & { code?: number; killed?: boolean })
          | null;
        resolve({
          code: failure ? (failure.killed ? "timeout" : failure.code ?? 1) : 0,
          stdout,
        });
      });
    });
    assert.equal(code, 0);
    assert.match(stdout, /result 49/);
  });
});

/** Each value of an iterator, or the error a `next()` rejected with, going on after it. */
async function* iterate<T>(
  iterator: AsyncIterator<T>,
): AsyncGenerator<unknown> {
  while (true) {
    try {
      const { done, value } = await iterator.next();
      if (done) return;
      yield value;
    } catch (error) {
      yield error;
    }
  }
}
