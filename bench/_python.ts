// Runs bench/compare.py (CPython's multiprocessing.pool on the same
// workloads) in a child process, if python3 exists, and returns its JSON.
import { spawn } from "node:child_process";
import { progress } from "./_harness.ts";

/** One CPython measurement: median ms per iteration of n items. */
export interface PythonTiming {
  n: number;
  ms: number;
  min: number;
  samples: number;
}

/** One checkpoint of CPython's imap over an endless generator. */
export interface PythonMemoryPoint {
  results: number;
  rss: number;
  readAhead: number;
}

/** What compare.py prints. */
export interface PythonResults {
  version: string;
  implementation: string;
  seconds: number;
  /** compare.py ran fib(n - fibShift) wherever the JS side runs fib(n). */
  fibShift?: number;
  cpuShapes?: { shift: number; shapes: Record<string, PythonShape> };
  results: Record<string, PythonTiming> & {
    "Pool.imap memory"?: PythonMemoryPoint[];
  };
}

/** The sizes compare.py runs with. */
export interface PythonConfig {
  reps: number;
  budget_s: number;
  processes: number;
  tiny: number;
  perMessage: number;
  fibN: number;
  fibCount: number;
  fibReps: number;
  memory: number;
  memoryChunk: number;
  checkpoints: number[];
  pauseMs: number;
  startupReps: number;
  /** The uneven CPU shapes (fib arguments as the JS runtime runs them). */
  shapes: Array<{ id: string; items: number[] }>;
  shapeReps: number;
  /** compare.py lowers the fib arguments until its tasks last about as long as fib(calibrationN) here. */
  calibrationN: number;
  jsCalibrationMs: number;
}

/** CPython on one CPU shape: medians of interleaved rounds, ms. */
export interface PythonShape {
  n: number;
  /** `Pool.map`, default chunksize, steady state. */
  pool: number;
  /** Two bare processes pulling one task at a time from one shared queue. */
  floor: number;
  firstPool: number;
  firstFloor: number;
  samples: number;
}

/** Run compare.py; undefined (with a note on stderr) when python3 is missing or fails. */
export function runPython(
  config: PythonConfig,
): Promise<PythonResults | undefined> {
  const script = decodeURIComponent(
    new URL("./compare.py", import.meta.url).pathname,
  );
  return new Promise((resolve) => {
    let out = "";
    let child;
    try {
      child = spawn("python3", [script, JSON.stringify(config)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
    } catch (error) {
      progress(`  [cpython] skipped: ${error}`);
      resolve(undefined);
      return;
    }
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => (out += chunk));
    child.on("error", (error: Error) => {
      progress(`  [cpython] skipped: ${error.message}`);
      resolve(undefined);
    });
    child.on("close", (code: number | null) => {
      if (code !== 0) {
        progress(`  [cpython] skipped: exit code ${code}`);
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(out) as PythonResults);
      } catch (error) {
        progress(`  [cpython] skipped: bad output (${error})`);
        resolve(undefined);
      }
    });
  });
}
