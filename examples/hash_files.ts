/**
 * Parallel hashing of files with `Pool` and `node:crypto`.
 *
 * Shows: a task module (`_hash_tasks.ts`) whose export is sent by reference to
 * worker threads (the workers import the module; only its URL and the export
 * name cross), `imapUnordered` printing each file as soon as it is hashed,
 * and `close()` + `join()` (no `await using`, so it runs on Node 22 too).
 * Without file arguments it hashes a few generated files in a temporary
 * directory and checks every digest against one computed on this thread.
 *
 * ```sh
 * deno run -A examples/hash_files.ts [file ...]
 * node examples/hash_files.ts [file ...]      # Node >= 22.18 runs .ts itself
 * bun examples/hash_files.ts [file ...]
 * ```
 *
 * In your own project import from `"multipool"` (npm) or
 * `"@multipool/multipool"` (jsr) instead of `"../mod.ts"`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Pool } from "../mod.ts";
import { sha256File } from "./_hash_tasks.ts";

const given = process.argv.slice(2);
let scratch: string | undefined;
let files = given;
if (files.length === 0) {
  // Eight files of 256 KiB to 2 MiB of pseudo-random bytes.
  scratch = mkdtempSync(join(tmpdir(), "multipool-hash-"));
  files = Array.from({ length: 8 }, (_, i) => {
    const data = new Uint8Array((i + 1) * 256 * 1024);
    let x = 2463534242 + i;
    for (let j = 0; j < data.length; j++) {
      x ^= x << 13, x ^= x >>> 17, x ^= x << 5;
      data[j] = x & 0xff;
    }
    const path = join(scratch!, `file_${i}.bin`);
    writeFileSync(path, data);
    return path;
  });
}

const pool = new Pool({
  processes: 2,
  module: new URL("./_hash_tasks.ts", import.meta.url),
});
try {
  let total = 0;
  const started = performance.now();
  for await (
    const { path, bytes, sha256 } of pool.imapUnordered(sha256File, files)
  ) {
    console.log(`${sha256}  ${path} (${bytes} bytes)`);
    total += bytes;
    if (scratch) {
      // Only for the generated files: the same digest on this thread.
      const expected = createHash("sha256").update(readFileSync(path))
        .digest("hex");
      assert.equal(sha256, expected, `digest of ${path}`);
    }
  }
  const ms = performance.now() - started;
  console.log(
    `hashed ${files.length} files, ${total} bytes, on ${pool.processes} ` +
      `workers in ${ms.toFixed(0)} ms`,
  );
  pool.close();
  await pool.join();
} finally {
  await pool.terminate();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
