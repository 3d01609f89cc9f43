// What only the process adapter gives (adapters/process.ts): anything can be
// stopped, what kills a process kills only its worker, nothing leaks between
// workers, children never outlive their parent. Runs the same under
// `deno test -A`, `bun test` and `node --test`; the rest of the Pool suite
// runs with this adapter under MULTIPOOL_TEST_ADAPTER=process.
// deno-lint-ignore-file no-explicit-any
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { Pool, PoolTerminatedError, WorkerCrashedError } from "../mod.ts";
import { createProcessAdapter, processAdapter } from "../adapters/process.ts";
import { extension, poolTasksUrl } from "./_helpers.ts";

const module = poolTasksUrl;

const runtime = globalThis as any;
const isBun = runtime.Bun !== undefined;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether process `pid` is gone (a zombie nobody reaped counts as gone). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  return /^\d+ \(.*\) Z/.test(readFileSync(stat, "utf8"));
}

/** Resolves true once every pid is gone, false after `ms` milliseconds. */
async function allGone(pids: number[], ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pids.every(gone)) return true;
    await sleep(50);
  }
  return pids.every(gone);
}

/** The command that runs a script on the runtime running this test. */
function command(script: URL, args: string[]): [string, string[]] {
  const path = decodeURIComponent(script.pathname);
  if (runtime.Deno) {
    return [runtime.Deno.execPath(), ["run", "-A", path, ...args]];
  }
  return [process.execPath, [path, ...args]];
}

// Tasks sent by source: self-contained, they find `process` on globalThis.
const pid = (): number => (globalThis as any).process.pid;
const spin = (): never => {
  for (;;) {
    // Only killing the process stops this.
  }
};

async function withPool<T>(
  options: ConstructorParameters<typeof Pool>[0] & object,
  body: (pool: Pool) => Promise<T>,
): Promise<T> {
  const pool = new Pool({
    processes: 2,
    module,
    adapter: processAdapter,
    ...options,
  });
  try {
    return await body(pool);
  } finally {
    await pool.terminate();
  }
}

describe("Pool with the process adapter: stopping anything", () => {
  test("an aborted synchronous loop kills its worker process, freeing its core; the pool goes on", async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const first = await pool.apply(pid);
      assert.notEqual(first, process.pid);
      const error = await pool.apply(spin, [], {
        signal: AbortSignal.timeout(200),
      }).catch((e) => e);
      assert.equal(error.name, "TimeoutError");
      assert.ok(
        await allGone([first]),
        `worker process ${first} still runs after the abort`,
      );
      const next = await pool.apply(pid);
      assert.notEqual(next, first);
    });
  });

  test("terminate() kills a worker that ignores SIGTERM with SIGKILL after the grace period", async () => {
    const adapter = createProcessAdapter({ killGracePeriod: 300 });
    const pool = new Pool({ processes: 1, adapter });
    const child = await pool.apply(pid);
    const stubborn = pool.apply(() => {
      const process = (globalThis as any).process;
      process.on("SIGTERM", () => {});
      for (;;) {
        // Ignores SIGTERM, loops forever.
      }
    }).catch((e) => e);
    await sleep(300);
    await pool.terminate();
    assert.ok((await stubborn) instanceof PoolTerminatedError);
    assert.ok(gone(child), `worker process ${child} survived terminate()`);
  });

  test("createProcessAdapter() rejects a negative grace period", () => {
    assert.throws(
      () => createProcessAdapter({ killGracePeriod: -1 }),
      RangeError,
    );
  });
});

describe("Pool with the process adapter: what kills a process kills only its worker", () => {
  test("process.exit(3) in a task fails it with WorkerCrashedError naming code 3; the pool goes on", async () => {
    await withPool({}, async (pool) => {
      const others = pool.map("sleepy", [1, 2, 3, 4], 1);
      const error = await pool.apply("processExit", [3]).catch((e) => e);
      assert.ok(error instanceof WorkerCrashedError, `${error}`);
      assert.match(error.message, /code 3\b/);
      assert.deepEqual(await others, [1, 2, 3, 4]);
      assert.equal(await pool.apply(Math.abs, [-5]), 5);
    });
  });

  test('process.kill(process.pid, "SIGKILL") in a task fails it with WorkerCrashedError; the pool goes on', async () => {
    await withPool({}, async (pool) => {
      const others = pool.map("sleepy", [1, 2, 3, 4], 1);
      const error = await pool.apply(() => {
        const process = (globalThis as any).process;
        process.kill(process.pid, "SIGKILL");
      }).catch((e) => e);
      assert.ok(error instanceof WorkerCrashedError, `${error}`);
      assert.match(error.message, /code 137\b/);
      assert.deepEqual(await others, [1, 2, 3, 4]);
      assert.equal(await pool.apply(Math.abs, [-6]), 6);
    });
  });

  test("running out of memory fails the task with WorkerCrashedError; the pool goes on", async () => {
    const adapter = createProcessAdapter({
      resourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    await withPool({ adapter }, async (pool) => {
      const others = pool.map("sleepy", [1, 2, 3, 4], 1);
      await assert.rejects(pool.apply("allocate"), WorkerCrashedError);
      assert.deepEqual(await others, [1, 2, 3, 4]);
      assert.equal(await pool.apply("byteLength", [new ArrayBuffer(3)]), 3);
    });
  });

  test(
    `resourceLimits.maxOldGenerationSizeMb (the pool's option, or the adapter's) becomes the child's heap flag${
      isBun
        ? " (skipped: Bun has no heap-size flag; its child watches its memory)"
        : ""
    }`,
    {
      skip: isBun && "Bun has no heap-size flag; its child watches its memory",
    },
    async () => {
      const heapLimit = (): number =>
        (globalThis as any).process.getBuiltinModule("node:v8")
          .getHeapStatistics().heap_size_limit / 2 ** 20;
      const limited = await withPool(
        { processes: 1, resourceLimits: { maxOldGenerationSizeMb: 48 } },
        (pool) => pool.apply(heapLimit),
      );
      const small = createProcessAdapter({
        resourceLimits: { maxOldGenerationSizeMb: 48 },
      });
      const limitedByAdapter = await withPool(
        { processes: 1, adapter: small },
        (pool) => pool.apply(heapLimit),
      );
      assert.equal(limitedByAdapter, limited);
      const unlimited = await withPool(
        { processes: 1 },
        (pool) => pool.apply(heapLimit),
      );
      assert.ok(limited < 400, `heap limit ${limited} MB`);
      assert.ok(unlimited > limited * 2, `${unlimited} MB vs ${limited} MB`);
    },
  );
});

describe("Pool with the process adapter: nothing leaks between workers", () => {
  test("a task that changes process.env does not affect its siblings' processes or the parent", async () => {
    await withPool({}, async (pool) => {
      const changed = await pool.apply(() => {
        const process = (globalThis as any).process;
        process.env.MULTIPOOL_LEAK = "leaked";
        return process.pid;
      });
      // Work goes to the first worker ready: ask until the sibling answers.
      let siblings: unknown[][] = [];
      for (let round = 0; siblings.length === 0 && round < 200; round++) {
        const seen = await pool.map(
          async (i: number) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            const process = (globalThis as any).process;
            return [i, process.pid, process.env.MULTIPOOL_LEAK ?? null];
          },
          Array.from({ length: 20 }, (_, i) => i),
          1,
        );
        siblings = seen.filter(([, child]) => child !== changed);
      }
      assert.ok(siblings.length > 0, "no task ran on the sibling");
      for (const [, , value] of siblings) assert.equal(value, null);
      assert.equal(process.env.MULTIPOOL_LEAK, undefined);
    });
  });
});

describe("Pool with the process adapter and the parent's lifetime", () => {
  test("a parent killed with SIGKILL leaves no child behind, even one in a synchronous loop", async () => {
    const [file, args] = command(
      new URL(`./testdata/process_parent.${extension}`, import.meta.url),
      [],
    );
    const parent = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    parent.stdout!.on(
      "data",
      (data: Uint8Array) => out += new TextDecoder().decode(data),
    );
    const deadline = Date.now() + 30_000;
    while (!out.includes("\n") && Date.now() < deadline) await sleep(20);
    const exited = new Promise((resolve) => parent.on("exit", resolve));
    parent.kill("SIGKILL");
    await exited;
    const children = JSON.parse(out) as number[];
    assert.ok(children.length >= 2, out);
    assert.ok(
      await allGone(children),
      `children ${
        children.filter((child) => !gone(child))
      } outlived the parent`,
    );
  });

  test("a script with a process pool it never closed exits by itself", async () => {
    const [file, args] = command(
      new URL(`./testdata/unclosed_pool.${extension}`, import.meta.url),
      ["Pool[process]"],
    );
    const { code, stdout } = await new Promise<
      { code: number | string; stdout: string }
    >((resolve) => {
      execFile(file, args, { timeout: 30_000 }, (error, stdout) => {
        const failure = error as (Error & { killed?: boolean }) | null;
        resolve({
          code: failure ? (failure.killed ? "timeout" : "error") : 0,
          stdout: String(stdout),
        });
      });
    });
    assert.equal(code, 0);
    assert.equal(stdout.trim(), "result 9");
  });
});
