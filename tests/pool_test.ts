// Pool-specific behaviour: workers that exit, crash or run out of memory,
// initializers, maxTasksPerChild, aborting a running task, transfer,
// terminate/join, and an idle pool never keeping the process alive. Runs the
// same under `deno test -A`, `bun test` and `node --test`.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BrokenPoolError,
  PoolTerminatedError,
  type WorkerAdapter,
  WorkerCrashedError,
} from "../mod.ts";
import { adapter as testAdapter, Pool, variant } from "./_pools.ts";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extension, poolTasksUrl } from "./_helpers.ts";

type Tasks = typeof import("./testdata/pool_tasks.ts");

const module = poolTasksUrl;
const tasks: Tasks = await import(module);

// deno-lint-ignore no-explicit-any
const runtime = globalThis as any;
const isDeno = runtime.Deno !== undefined;
const isBun = runtime.Bun !== undefined;
/** Why a synchronous loop cannot be stopped here, if it cannot. */
const unstoppable = isDeno && variant === "web"
  ? "Deno cannot stop a Web Worker in a synchronous loop: the thread spins on and keeps the process alive"
  : undefined;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Shared memory, or a file where the workers are processes.
function counter(): { sab: SharedArrayBuffer | string; count(): number } {
  if (variant === "process") {
    const path = join(mkdtempSync(join(tmpdir(), "multipool-count-")), "n");
    const count = () => {
      try {
        return readFileSync(path, "utf8").length;
      } catch {
        return 0;
      }
    };
    return { sab: path, count };
  }
  const sab = new SharedArrayBuffer(4);
  return { sab, count: () => Atomics.load(new Int32Array(sab), 0) };
}

async function withPool<T>(
  options: ConstructorParameters<typeof Pool>[0] & object,
  body: (pool: InstanceType<typeof Pool>) => Promise<T>,
): Promise<T> {
  const pool = new Pool({ processes: 2, module, ...options });
  try {
    return await body(pool);
  } finally {
    await pool.terminate();
  }
}

// Crashes `crash` while a batch of other work is in flight, then checks that
// only the crashing task failed, with WorkerCrashedError, and the pool goes on.
async function crashAmidWork(
  crash: keyof Tasks,
  args: unknown[],
): Promise<WorkerCrashedError> {
  const inits = counter();
  return await withPool(
    { initializer: tasks.countInit, initArgs: [inits.sab] },
    async (pool) => {
      const others = pool.map(
        tasks.sleepy,
        Array.from({ length: 12 }, (_, i) => i),
        1,
      );
      const crashed = pool.apply(crash as string, args);
      const more = pool.starmap(
        tasks.sleepy,
        Array.from({ length: 12 }, (_, i) => [i, 5]),
        2,
      );
      const error = await crashed.then(
        () => assert.fail("the crash did not fail its task"),
        (e) => e,
      );
      assert.ok(error instanceof WorkerCrashedError, `${error}`);
      assert.deepEqual(await others, Array.from({ length: 12 }, (_, i) => i));
      assert.deepEqual(await more, Array.from({ length: 12 }, (_, i) => i));
      // Two chunks at once take both workers, so the replacement has started
      // by now (the survivor may have done the rest alone while it booted).
      assert.deepEqual(await pool.map(Math.abs, [-4, -5], 1), [4, 5]);
      const deadline = Date.now() + 10_000;
      while (inits.count() < 3 && Date.now() < deadline) await sleep(20);
      assert.ok(
        inits.count() >= 3,
        `the replacement ran the initializer (${inits.count()} runs)`,
      );
      return error;
    },
  );
}

describe("Pool workers that die", () => {
  test("process.exit() in a task fails only that task with WorkerCrashedError", async () => {
    const error = await crashAmidWork("processExit", [3]);
    assert.match(error.message, /code 3/);
  });

  test(
    `Deno.exit() in a task fails only that task with WorkerCrashedError${
      isDeno ? "" : " (skipped: Deno.exit exists only on Deno)"
    }`,
    { skip: !isDeno && "Deno.exit exists only on Deno" },
    async () => {
      await crashAmidWork("denoExit", [4]);
    },
  );

  test("an uncaught error fails only the running task, with the error as cause", async () => {
    const error = await crashAmidWork("uncaught", ["lost in a timer"]);
    assert.match(
      String((error.cause as Error | undefined)?.message ?? error.message),
      /lost in a timer|code/,
    );
  });

  test("an unhandled rejection fails only the running task", async () => {
    await crashAmidWork("unhandledRejection", ["nobody listens"]);
  });

  const noOom = variant === "process"
    ? undefined
    : isBun
    ? "Bun ignores resourceLimits"
    : isDeno
    ? "Deno 2.9 leaves a worker that runs out of memory hanging with no exit or error event"
    : undefined;
  test(
    `running out of memory under resourceLimits fails the task; the pool goes on${
      noOom ? ` (skipped: ${noOom})` : ""
    }`,
    { skip: noOom ?? false },
    async () => {
      const base = testAdapter;
      const adapter: WorkerAdapter = {
        name: `${base.name}-small-heap`,
        capabilities: base.capabilities,
        spawn: (url) =>
          base.spawn(url, { resourceLimits: { maxOldGenerationSizeMb: 24 } }),
      };
      await withPool({ adapter }, async (pool) => {
        const others = pool.map(tasks.sleepy, [1, 2, 3, 4], 1);
        await assert.rejects(pool.apply(tasks.allocate), WorkerCrashedError);
        assert.deepEqual(await others, [1, 2, 3, 4]);
        assert.equal(
          await pool.apply(tasks.byteLength, [new ArrayBuffer(3)]),
          3,
        );
      });
    },
  );
});

describe("Pool initializer and maxTasksPerChild", () => {
  test("the initializer runs in every worker, and maxTasksPerChild replaces workers", async () => {
    const inits = counter();
    await withPool(
      { initializer: "countInit", initArgs: [inits.sab], maxTasksPerChild: 1 },
      async (pool) => {
        const results = await pool.map(tasks.sqrWithId, [1, 2, 3, 4, 5, 6], 1);
        assert.deepEqual(results.map(([square]) => square), [
          1,
          4,
          9,
          16,
          25,
          36,
        ]);
        assert.equal(new Set(results.map(([, id]) => id)).size, 6);
        assert.equal(inits.count(), 6);
      },
    );
  });

  test("maxTasksPerChild counts chunks: 2 chunks per worker", async () => {
    await withPool({ processes: 1, maxTasksPerChild: 2 }, async (pool) => {
      const ids = await pool.map(tasks.workerId, [1, 2, 3, 4, 5, 6], 1);
      assert.equal(new Set(ids).size, 3);
      assert.equal(ids[0], ids[1]);
      assert.notEqual(ids[1], ids[2]);
    });
  });

  test("a throwing initializer fails tasks with BrokenPoolError and is not retried forever", async () => {
    const runs = counter();
    await withPool(
      { initializer: tasks.countThenFail, initArgs: [runs.sab, "no database"] },
      async (pool) => {
        const error = await pool.map(tasks.workerId, [1, 2, 3, 4], 1).catch((
          e,
        ) => e);
        assert.ok(error instanceof BrokenPoolError, `${error}`);
        assert.equal((error.cause as Error).message, "no database");
        await assert.rejects(pool.apply(tasks.workerId), BrokenPoolError);
        await sleep(200);
        assert.ok(
          runs.count() <= 2,
          `the initializer ran ${runs.count()} times`,
        );
      },
    );
  });
});

describe("Pool abort, transfer, terminate and join", () => {
  test(
    `an infinite loop stops with AbortSignal.timeout and the pool goes on${
      unstoppable ? ` (skipped: ${unstoppable})` : ""
    }`,
    { skip: unstoppable ?? false },
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const queued = pool.map(tasks.sqrWithId, [1, 2, 3], 1);
        const error = await pool.apply(tasks.spin, [], {
          signal: AbortSignal.timeout(100),
        })
          .catch((e) => e);
        assert.equal(error.name, "TimeoutError");
        assert.deepEqual((await queued).map(([square]) => square), [1, 4, 9]);
        assert.equal(await pool.apply(Math.abs, [-2]), 2);
      });
    },
  );

  test("terminating a running worker warns once when the adapter cannot stop synchronous loops", async () => {
    const base = testAdapter;
    const adapter: WorkerAdapter = {
      name: "unstoppable",
      capabilities: base.capabilities,
      stopsSynchronousLoops: false,
      spawn: (url, options) => base.spawn(url, options),
    };
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
    try {
      await withPool({ processes: 1, adapter }, async (pool) => {
        await pool.apply(Math.abs, [-1]);
        // A loop that ends by itself, so no runtime is left spinning.
        const busy = (ms: number): number => {
          const end = Date.now() + ms;
          while (Date.now() < end);
          return ms;
        };
        for (let round = 0; round < 2; round++) {
          const controller = new AbortController();
          const call = pool.apply(busy, [300], { signal: controller.signal });
          await new Promise((resolve) => setTimeout(resolve, 100));
          controller.abort();
          await assert.rejects(call, { name: "AbortError" });
        }
        assert.equal(warnings.length, 1);
        assert.match(
          String(warnings[0]),
          /'unstoppable' worker was terminated while running a task/,
        );
        assert.match(String(warnings[0]), /synchronous loop/);
      });
    } finally {
      console.warn = warn;
    }
  });

  test("the Deno adapter says it cannot stop a synchronous loop; the others can", async () => {
    const { denoAdapter } = await import("../adapters/deno.ts");
    const { nodeAdapter } = await import("../adapters/node.ts");
    const { bunAdapter } = await import("../adapters/bun.ts");
    assert.equal(denoAdapter.stopsSynchronousLoops, false);
    assert.notEqual(nodeAdapter.stopsSynchronousLoops, false);
    assert.notEqual(bunAdapter.stopsSynchronousLoops, false);
  });

  test("aborting a map drops its queued chunks and spares other calls", async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const controller = new AbortController();
      const items = Array.from({ length: 50 }, (_, i) => i);
      const aborted = pool.map(tasks.sleepy, items, {
        chunkSize: 1,
        signal: controller.signal,
      })
        .catch((e) => e);
      const spared = pool.map(tasks.workerId, [1, 2, 3]);
      controller.abort(new Error("stop"));
      assert.equal((await aborted).message, "stop");
      assert.equal((await spared).length, 3);
    });
  });

  test("transfer moves an ArrayBuffer instead of copying it", async () => {
    await withPool({}, async (pool) => {
      const buffer = new ArrayBuffer(64);
      assert.equal(
        await pool.apply(tasks.byteLength, [buffer], { transfer: [buffer] }),
        64,
      );
      assert.equal(buffer.byteLength, 0);
    });
  });

  test(
    `terminate() stops a looping worker and rejects what is pending${
      unstoppable ? ` (skipped: ${unstoppable})` : ""
    }`,
    { skip: unstoppable ?? false },
    async () => {
      const pool = new Pool({ processes: 1, module });
      const looping = pool.apply(tasks.spin).catch((e) => e);
      const queued = pool.apply(tasks.workerId).catch((e) => e);
      await sleep(50);
      await pool.terminate();
      assert.ok((await looping) instanceof PoolTerminatedError);
      assert.ok((await queued) instanceof PoolTerminatedError);
    },
  );

  test("close() and join() finish every task first", async () => {
    const pool = new Pool({ processes: 2, module });
    const results = pool.map(
      tasks.sleepy,
      Array.from({ length: 8 }, (_, i) => i),
      1,
    );
    const one = pool.apply(tasks.sleepy, ["last", 20]);
    pool.close();
    await pool.join();
    assert.deepEqual(await results, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(await one, "last");
  });
});

describe("Pool values and errors across the boundary", () => {
  test("a result that cannot be cloned fails its task; the worker lives on", async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const before = await pool.apply(tasks.workerId);
      const error = await pool.apply(tasks.unclonable).catch((e) => e);
      assert.equal(error.name, "DataCloneError");
      assert.match(error.message, /cannot be structured-cloned/);
      assert.equal(await pool.apply(tasks.workerId), before);
    });
  });

  test("arguments that cannot be cloned fail the call; the pool goes on", async () => {
    await withPool({}, async (pool) => {
      const error = await pool.apply(tasks.workerId, [() => 1]).catch((e) => e);
      assert.equal(error.name, "DataCloneError");
      assert.equal(await pool.apply(Math.abs, [-1]), 1);
    });
  });

  test("an error keeps its class, name, code and chain of causes", async () => {
    await withPool({}, async (pool) => {
      // deno-lint-ignore no-explicit-any
      const error: any = await pool.apply(tasks.throwChain).catch((e) => e);
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, "top");
      // deno-lint-ignore no-explicit-any
      const middle = error.cause as any;
      assert.equal(middle.name, "MiddleError");
      assert.equal(middle.code, "E_MIDDLE");
      assert.ok(middle.cause instanceof RangeError);
      assert.equal(middle.cause.message, "root");
    });
  });

  test("a function sent by source that uses an outer name says so", async () => {
    function helper(x: number): number {
      return x + 1;
    }
    await withPool({}, async (pool) => {
      const error = await pool.apply((x: number) => helper(x), [1]).catch((e) =>
        e
      );
      assert.ok(error instanceof ReferenceError, `${error}`);
      assert.match(error.message, /source text/);
      assert.match(error.message, /'helper'/);
      assert.match(error.message, /options\.module/);
    });
  });

  test("a recursive function sent by source finds itself by its own name", async () => {
    const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));
    function fact(n: number): number {
      return n < 2 ? 1 : n * fact(n - 1);
    }
    await withPool({}, async (pool) => {
      assert.deepEqual(await pool.map(fib, [10, 20]), [55, 6765]);
      assert.equal(await pool.apply(fact, [5]), 120);
    });
  });

  test("built-ins go by their global path; exports by reference or by name", async () => {
    await withPool({}, async (pool) => {
      assert.deepEqual(await pool.map(Math.abs, [-1, -2]), [1, 2]);
      assert.equal(await pool.apply(JSON.stringify, [{ a: 1 }]), '{"a":1}');
      assert.equal(await pool.apply(tasks.byteLength, [new ArrayBuffer(2)]), 2);
      assert.equal(await pool.apply("byteLength", [new ArrayBuffer(5)]), 5);
      await assert.rejects(pool.apply("missing"), TypeError);
    });
  });
});

describe("Pool workerUrl", () => {
  test("workerUrl names the worker entry; a value that is not a string or URL is a TypeError", async () => {
    const entry = new URL(
      `../src/_worker.${extension}`,
      import.meta.url,
    );
    const exists = await import(entry.href).then(() => true, () => false);
    if (exists) {
      await withPool({ workerUrl: entry }, async (pool) => {
        assert.deepEqual(await pool.map(Math.abs, [-1, -2]), [1, 2]);
      });
    }
    assert.throws(
      () => new Pool({ workerUrl: 5 as unknown as string }),
      (error: Error) =>
        error instanceof TypeError && /'workerUrl'/.test(error.message),
    );
  });
});

describe("Pool's own channel", () => {
  test("a task posting [1, 1] or [0, 1, ['spoofed']] on parentPort / self.postMessage changes no result", async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const spoofs = [[1, 1], [0, 1, ["spoofed"]], [4], [2], [3, {}], [0, 2]];
      const posted = await pool.map(tasks.postOnWorkerChannels, spoofs, 1);
      assert.equal(posted.length, spoofs.length);
      for (const count of posted) assert.ok(count >= 1, `posted on ${count}`);
      assert.equal(
        await pool.apply(tasks.postOnWorkerChannels, [[0, 1, ["spoofed"]]]),
        posted[0],
      );
      assert.deepEqual(
        (await pool.map(tasks.sqrWithId, [1, 2, 3], 1)).map(([sq]) => sq),
        [1, 4, 9],
      );
      assert.equal(await pool.apply(Math.abs, [-7]), 7);
    });
  });
});

describe("Pool messages the other side cannot read", () => {
  // Deep enough that Node's and Deno's deserialiser overflow on reading
  // (or the serialiser on writing); Bun reads it back.
  const DEPTH = 3000;

  test("a result nested too deeply to read fails only its task with DataCloneError; the pool goes on", async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const before = pool.apply(tasks.depthOf, [tasks.deep(5)]);
      const deep = pool.apply(tasks.deep, [DEPTH]).then(
        (value) => ({ value }),
        (error) => ({ error }),
      );
      const after = pool.map(tasks.sqrWithId, [2, 3], 1);
      const outcome = await deep;
      if ("error" in outcome) {
        assert.equal(outcome.error.name, "DataCloneError", `${outcome.error}`);
      } else {
        assert.ok(
          isBun || variant === "process",
          "only Bun, and a process's main thread, read such a value back",
        );
        assert.equal(tasks.depthOf(outcome.value), DEPTH);
      }
      assert.equal(await before, 5);
      assert.deepEqual((await after).map(([sq]) => sq), [4, 9]);
      assert.equal(await pool.apply(tasks.depthOf, [tasks.deep(7)]), 7);
    });
  });

  test("arguments nested too deeply to read fail only their task with DataCloneError; the pool goes on", async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const before = pool.apply(tasks.depthOf, [tasks.deep(5)]);
      const deep = pool.apply(tasks.depthOf, [tasks.deep(DEPTH)]).then(
        (value) => ({ value }),
        (error) => ({ error }),
      );
      const after = pool.map(tasks.sqrWithId, [2, 3], 1);
      const outcome = await deep;
      if ("error" in outcome) {
        assert.equal(outcome.error.name, "DataCloneError", `${outcome.error}`);
      } else assert.equal(outcome.value, DEPTH);
      assert.equal(await before, 5);
      assert.deepEqual((await after).map(([sq]) => sq), [4, 9]);
      assert.equal(await pool.apply(tasks.depthOf, [tasks.deep(7)]), 7);
    });
  });

  const readsDeep = isBun
    ? "Bun reads such a value back"
    : variant === "process"
    ? "a worker process reads it back on its main thread's full stack"
    : undefined;
  test(
    `Node and Deno cannot read a 3000-deep result back, and say DataCloneError${
      readsDeep ? ` (skipped: ${readsDeep})` : ""
    }`,
    { skip: readsDeep ?? false },
    async () => {
      await withPool({ processes: 2 }, async (pool) => {
        const results = await Promise.allSettled([
          pool.apply(tasks.deep, [DEPTH]),
          pool.apply(tasks.deep, [DEPTH]),
          pool.apply(Math.abs, [-3]),
        ]);
        for (const result of results.slice(0, 2)) {
          assert.equal(result.status, "rejected");
          assert.equal(
            (result as PromiseRejectedResult).reason.name,
            "DataCloneError",
          );
        }
        assert.deepEqual(results[2], { status: "fulfilled", value: 3 });
      });
    },
  );
});

describe("Pool and the process lifetime", () => {
  test("a script that forgets close() still exits by itself", async () => {
    const { spawn } = await import("node:child_process");
    const script = new URL(
      `./testdata/forget_close.${extension}`,
      import.meta.url,
    );
    const path = decodeURIComponent(script.pathname);
    const args = isDeno ? ["run", "-A", path] : [path];
    const child = spawn(runtime.process.execPath, args, {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on(
      "data",
      (data: Uint8Array) => out += new TextDecoder().decode(data),
    );
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await new Promise((resolve) => child.on("exit", resolve));
    clearTimeout(timer);
    assert.equal(code, 0, "the script was killed after 30 s, or failed");
    assert.equal(out.trim(), "[1,4,9,16]");
  });
});
