/**
 * Streaming a large file line by line through `Pool.imap`, in flat memory.
 *
 * Shows: `imap` takes any async iterable (here `node:readline` over a file
 * stream) and reads it lazily, never more than `bufferSize` chunks ahead of
 * the consumer, so memory stays flat whatever the file's size, while the
 * parsing runs on worker threads and the results come back in order. It
 * writes a weather log of `--lines` lines (default 300,000; try 10,000,000 for
 * a file of about 150 MB) to a temporary file, computes each station's mean,
 * checks the count, and prints the resident memory as it goes.
 *
 * ```sh
 * deno run -A examples/stream_lines.ts [--lines 10000000]
 * node examples/stream_lines.ts [--lines 10000000]   # Node >= 22.18
 * bun examples/stream_lines.ts [--lines 10000000]
 * ```
 *
 * In your own project import from `"multipool"` (npm) or
 * `"@multipool/multipool"` (jsr) instead of `"../mod.ts"`.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  rmSync,
  statSync,
} from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { Pool } from "../mod.ts";
import { parseReading } from "./_line_tasks.ts";

const flag = process.argv.indexOf("--lines");
const lines = flag > 0 ? Number(process.argv[flag + 1]) : 300_000;
if (!Number.isSafeInteger(lines) || lines < 1) {
  throw new RangeError(
    `Cannot run as '--lines' must be a positive integer: current value is ${
      process.argv[flag + 1]
    }`,
  );
}
const STATIONS = ["Lisbon", "Oslo", "Quito", "Perth", "Nairobi", "Osaka"];

const dir = mkdtempSync(join(tmpdir(), "multipool-lines-"));
const path = join(dir, "weather.log");
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1) + " MiB";

try {
  // Write the log as a stream too: the generator never holds the file.
  const out = createWriteStream(path);
  for (let i = 0; i < lines; i++) {
    const line = `${STATIONS[i % STATIONS.length]};${
      ((i * 7919) % 800) / 10 - 20
    }\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  console.log(`wrote ${lines} lines, ${mib(statSync(path).size)}, to ${path}`);

  const pool = new Pool({
    processes: 2,
    module: new URL("./_line_tasks.ts", import.meta.url),
  });
  const input = createInterface({
    input: createReadStream(path),
    crlfDelay: Infinity,
  });
  const sums = new Map<string, { n: number; total: number }>();
  // Resident memory at each quarter: the first includes the workers' start.
  const quarters: number[] = [];
  let count = 0;
  // 1,000 lines per message, at most 2 × processes messages ahead (the default
  // bufferSize): the reader is paused while the workers are busy.
  for await (
    const { station, celsius } of pool.imap(parseReading, input, {
      chunkSize: 1_000,
    })
  ) {
    const s = sums.get(station) ?? { n: 0, total: 0 };
    s.n++;
    s.total += celsius;
    sums.set(station, s);
    if (++count % Math.ceil(lines / 4) === 0 || count === lines) {
      const rss = process.memoryUsage().rss;
      quarters.push(rss);
      console.log(`  ${count} lines parsed, resident memory ${mib(rss)}`);
    }
  }
  pool.close();
  await pool.join();

  assert.equal(count, lines);
  for (const [station, { n, total }] of sums) {
    console.log(
      `${station.padEnd(8)} ${n} readings, mean ${(total / n).toFixed(2)} °C`,
    );
  }
  const growth = Math.max(...quarters) - quarters[0];
  console.log(
    `resident memory after the first quarter: ${mib(quarters[0])}, at most ` +
      `${mib(growth)} more until the end, for a ` +
      `${mib(statSync(path).size)} file`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
