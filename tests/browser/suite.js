// The in-page suite of scripts/test_browser.ts: runs against the built npm
// package, served from 127.0.0.1, on both pools; results go to
// window.__results for the driver to read.
// The built package as the server serves it (by a computed specifier: it
// exists only once `npm run build` has run).
const PACKAGE = "/npm/esm/mod.js";
const { Pool, PoolTerminatedError, ThreadPool, WorkerCrashedError } =
  await import(PACKAGE);

const mode = new URL(location.href).searchParams.get("mode");
const results = {
  mode,
  isolated: self.crossOriginIsolated,
  passed: [],
  failed: [],
};
const tasks = await import("./tasks.js");

function assert(ok, message) {
  if (!ok) throw new Error(message);
}
function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}: expected ${e}, got ${a}`);
}
async function rejects(promise, check, what) {
  try {
    await promise;
  } catch (error) {
    assert(
      check(error),
      `${what}: wrong error ${error?.name}: ${error?.message}`,
    );
    return error;
  }
  throw new Error(`${what}: did not reject`);
}

async function test(name, body) {
  try {
    await Promise.race([
      Promise.resolve().then(body),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("timed out after 20 s")), 20_000)
      ),
    ]);
    results.passed.push(name);
  } catch (error) {
    results.failed.push({ name, error: `${error?.name}: ${error?.message}` });
  }
}

for (const PoolClass of [ThreadPool, Pool]) {
  const P = PoolClass.name;
  // A relative string module resolves against the page URL.
  const make = (options = {}) =>
    new PoolClass({ processes: 2, module: "./tasks.js", ...options });

  await test(`${P}: every method`, async () => {
    const pool = make();
    try {
      equal(await pool.map(tasks.sqr, [1, 2, 3, 4], 1), [1, 4, 9, 16], "map");
      equal(await pool.map("sqr", [5]), [25], "map by name");
      equal(await pool.starmap(tasks.add, [[1, 2], [3, 4]]), [3, 7], "starmap");
      equal(await pool.apply(tasks.add, [2, 3]), 5, "apply");
      equal(await pool.mapAsync(tasks.sqr, [6]).get(), [36], "mapAsync");
      equal(
        await pool.starmapAsync(tasks.add, [[1, 1]]).get(),
        [2],
        "starmapAsync",
      );
      let called;
      await pool.applyAsync(tasks.sqr, [7], { callback: (v) => called = v })
        .get();
      equal(called, 49, "applyAsync callback");
      const ordered = [];
      for await (const v of pool.imap(tasks.sqr, [1, 2, 3])) ordered.push(v);
      equal(ordered, [1, 4, 9], "imap");
      const unordered = [];
      for await (const v of pool.imapUnordered(tasks.sqr, [1, 2, 3])) {
        unordered.push(v);
      }
      equal(unordered.sort(), [1, 4, 9], "imapUnordered");
      equal(await pool.apply(Math.max, [1, 9, 3]), 9, "built-in");
    } finally {
      await pool.terminate();
    }
  });

  await test(`${P}: errors keep their classes`, async () => {
    const pool = make();
    try {
      await rejects(
        pool.apply(tasks.fail, ["type"]),
        (e) => e instanceof TypeError && e.message === "bad type",
        "TypeError",
      );
      await rejects(
        pool.apply(tasks.fail, ["custom"]),
        (e) => e.name === "CustomError" && e.code === "E_CUSTOM",
        "custom",
      );
      await rejects(
        pool.apply("missing"),
        (e) => e instanceof TypeError,
        "unknown name",
      );
    } finally {
      await pool.terminate();
    }
  });

  await test(`${P}: close() and join() finish every task`, async () => {
    const pool = make();
    const all = pool.map(tasks.sleepy, [1, 2, 3], 1);
    pool.close();
    await pool.join();
    equal(
      await all,
      [undefined, undefined, undefined].map((_, i) => i + 1),
      "map after join",
    );
  });

  await test(`${P}: terminate() rejects what is pending`, async () => {
    const pool = make({ processes: 1 });
    const pending = pool.apply(tasks.sleepy, [1, 5000]);
    await new Promise((r) => setTimeout(r, 50));
    await pool.terminate();
    await rejects(
      pending,
      (e) => e instanceof PoolTerminatedError,
      "terminate",
    );
  });

  await test(`${P}: initializer`, async () => {
    const pool = make({ initializer: tasks.init, initArgs: ["ready"] });
    try {
      equal(
        await pool.map(tasks.initialized, [0, 1]),
        ["ready", "ready"],
        "initializer",
      );
    } finally {
      await pool.terminate();
    }
  });
}

await test("Pool: the web adapter, shared memory as the page allows", () => {
  equal(
    typeof SharedArrayBuffer === "function" && self.crossOriginIsolated,
    mode === "isolated",
    "isolation",
  );
});

await test("Pool: abort stops a task in a synchronous loop; the pool goes on", async () => {
  const pool = new Pool({ processes: 1, module: "./tasks.js" });
  try {
    await rejects(
      pool.apply(tasks.spin, [], { signal: AbortSignal.timeout(200) }),
      (e) => e.name === "TimeoutError",
      "abort",
    );
    equal(await pool.apply(tasks.sqr, [3]), 9, "after abort");
  } finally {
    await pool.terminate();
  }
});

await test("Pool: terminate() stops a looping worker", async () => {
  const pool = new Pool({ processes: 1, module: "./tasks.js" });
  const looping = pool.apply(tasks.spin);
  await new Promise((r) => setTimeout(r, 100));
  await pool.terminate();
  await rejects(
    looping,
    (e) => e instanceof PoolTerminatedError,
    "terminate loop",
  );
});

await test("Pool: transfer moves an ArrayBuffer", async () => {
  const pool = new Pool({ processes: 1, module: "./tasks.js" });
  try {
    const buffer = new ArrayBuffer(32);
    equal(
      await pool.apply(tasks.byteLength, [buffer], { transfer: [buffer] }),
      32,
      "transfer",
    );
    equal(buffer.byteLength, 0, "detached");
  } finally {
    await pool.terminate();
  }
});

await test("Pool: maxTasksPerChild replaces workers", async () => {
  const pool = new Pool({
    processes: 1,
    module: "./tasks.js",
    maxTasksPerChild: 1,
  });
  try {
    const ids = await pool.map(tasks.workerId, [1, 2, 3], 1);
    equal(new Set(ids).size, 3, "distinct workers");
  } finally {
    await pool.terminate();
  }
});

await test("Pool: a task calling self.close() fails with WorkerCrashedError; the pool goes on", async () => {
  const pool = new Pool({ processes: 1, module: "./tasks.js" });
  try {
    await rejects(
      pool.apply(tasks.closeSelf),
      (e) => e instanceof WorkerCrashedError,
      "self.close",
    );
    equal(await pool.apply(tasks.sqr, [4]), 16, "after crash");
  } finally {
    await pool.terminate();
  }
});

await test("Pool: a function sent by source text", async () => {
  const pool = new Pool({ processes: 1 });
  try {
    const result = pool.apply((x) => x + 1, [1]);
    if (mode === "csp") {
      await rejects(
        result,
        (e) => /options\.module/.test(e.message),
        "CSP hint",
      );
    } else equal(await result, 2, "source text");
  } finally {
    await pool.terminate();
  }
});

globalThis.__results = results;
