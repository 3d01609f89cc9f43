// A pool that is never closed must not keep the process from exiting.
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
  `./testdata/unclosed_pool.${extension}`,
  import.meta.url,
);

/** The command that runs a script on the runtime running this test. */
function command(script: string, args: string[]): [string, string[]] {
  if (runtime.Deno) {
    return [runtime.Deno.execPath(), ["run", "-A", script, ...args]];
  }
  return [runtime.process.execPath, [script, ...args]];
}

/** Runs the fixture; resolves with its exit code and output, or "timeout". */
function runFixture(
  args: string[],
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const [file, argv] = command(decodeURIComponent(fixture.pathname), args);
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
  describe(`${Pool.name} process exit`, () => {
    test("a script exits by itself after using a pool it never closed", async () => {
      const { code, stdout, stderr } = await runFixture([Pool.name]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), "result 9");
    });

    test("a script exits by itself with an idle pool it never closed", async () => {
      const { code, stdout, stderr } = await runFixture([Pool.name, "idle"]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), "idle running");
    });

    test("a script exits by itself with an idle pool whose workers ran an initializer", async () => {
      const { code, stdout, stderr } = await runFixture([
        Pool.name,
        "initializer",
      ]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), "idle running");
    });

    test("a script exits by itself after using a pool with a long idleTimeout", async () => {
      const { code, stdout, stderr } = await runFixture([
        Pool.name,
        "idleTimeout",
      ]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), "result 9");
    });

    test("long get()/wait()/next() timeouts do not keep a script alive once answered", async () => {
      const { code, stdout, stderr } = await runFixture([
        Pool.name,
        "timeouts",
      ]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), "timeouts true 16 25");
    });
  });
}
