// Adversarial suite, part 3: leaks. A script that uses a pool roughly and
// never closes it still exits by itself (API.md: idle workers never keep the
// process alive), on the runtime running this test.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { pools } from "./_pools.ts";

const runtime = globalThis as unknown as {
  Deno?: { execPath(): string };
  process: { execPath: string };
};

const extension = new URL(import.meta.url).pathname.endsWith(".ts")
  ? "ts"
  : "js";
const fixture = new URL(
  `./testdata/abandoned_pool.${extension}`,
  import.meta.url,
);

/** Runs the fixture; resolves with its exit code and output, or "timeout". */
function runFixture(
  args: string[],
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const script = decodeURIComponent(fixture.pathname);
  const [file, argv] = runtime.Deno
    ? [runtime.Deno.execPath(), ["run", "-A", script, ...args]]
    : [runtime.process.execPath, [script, ...args]];
  return new Promise((resolve) => {
    execFile(file, argv, { timeout: 20_000 }, (error, stdout, stderr) => {
      const failure = error as
        | (Error & { code?: number | string; killed?: boolean })
        | null;
      const code = failure
        ? (failure.killed ? "timeout" : failure.code ?? "error")
        : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

for (const Pool of pools) {
  describe(`${Pool.name} abandoned without close()`, () => {
    test("aborted calls, a broken-off imap, timed-out waits and an aborted endless map: the script still exits", async () => {
      const { code, stdout, stderr } = await runFixture([Pool.name, "aborts"]);
      assert.equal(code, 0, `exit ${code}: ${stderr}`);
      assert.equal(
        stdout.trim(),
        "done Error,Error,Error,Error,Error TimeoutError TimeoutError",
      );
    });

    test("terminate() with work pending, never awaited: the script still exits", async () => {
      const { code, stdout, stderr } = await runFixture([
        Pool.name,
        "terminated",
      ]);
      assert.equal(code, 0, `exit ${code}: ${stderr}`);
      assert.equal(
        stdout.trim(),
        "done PoolTerminatedError,PoolTerminatedError,PoolTerminatedError",
      );
    });

    test("get(), wait() and next() of 2^40 ms pending at terminate(): the script still exits", async () => {
      const { code, stdout, stderr } = await runFixture([
        Pool.name,
        "long-waits",
      ]);
      assert.equal(code, 0, `exit ${code}: ${stderr}`);
      const [done, outcomes] = stdout.trim().split(" ");
      assert.equal(done, "done");
      assert.equal(outcomes.split(",")[1], "PoolTerminatedError");
    });

    test("an aborted call and a queued result nobody awaits: the script still exits", async () => {
      const { code, stdout, stderr } = await runFixture([Pool.name, "pending"]);
      assert.equal(code, 0, `exit ${code}: ${stderr}`);
      assert.equal(stdout.trim(), "done AbortError");
    });
  });
}

describe("Pool abandoned after crashes", () => {
  test("workers that exited, threw or rejected were replaced: the script still exits", async () => {
    const { code, stdout, stderr } = await runFixture(["Pool", "crashes"]);
    assert.equal(code, 0, `exit ${code}: ${stderr}`);
    assert.equal(
      stdout.trim(),
      "done WorkerCrashedError,WorkerCrashedError,WorkerCrashedError,ok",
    );
  });
});
