// Smoke test of examples/fetch_urls.ts: it runs to the end on the runtime
// running this suite, fetches every page, and its hanging requests are
// cancelled at the server through taskSignal().
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const runtime = globalThis as unknown as {
  Deno?: { execPath(): string };
  process: { execPath: string };
};

const example = fileURLToPath(
  new URL("../examples/fetch_urls.ts", import.meta.url),
);
// The npm package suite runs a compiled copy of tests/ without examples/.
const missing = existsSync(example)
  ? undefined
  : "examples/ is not next to this copy of the suite";

test(
  `examples/fetch_urls.ts fetches every page and cancels hanging requests${
    missing ? ` (skipped: ${missing})` : ""
  }`,
  { skip: missing ?? false },
  async () => {
    const [file, args] = runtime.Deno
      ? [runtime.Deno.execPath(), ["run", "-A", example]]
      : [runtime.process.execPath, [example]];
    const { code, stdout, stderr } = await new Promise<
      { code: number | string; stdout: string; stderr: string }
    >((resolve) => {
      execFile(file, args, { timeout: 60_000 }, (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number | string }) | null;
        resolve({
          code: failure ? failure.code ?? "error" : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      });
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /fetched 40 pages \(\d+ bytes\), progress 40\/40/);
    assert.match(stdout, /hanging request: TimeoutError/);
    assert.match(stdout, /aborted call: user cancelled/);
    assert.match(stdout, /server saw 3 request\(s\) cancelled by the client/);
  },
);
