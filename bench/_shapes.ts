// The uneven CPU shapes: lists of fib(n) tasks whose sizes differ, run by
// `Pool(2).map` with its default chunking and by the bare floor (two bare
// workers pulling one task at a time from one shared queue: the ideal
// balance). CPython runs the same lists through bench/compare.py.
import { type Contender, progress } from "./_harness.ts";
import type { RawFloor } from "./_floors.ts";
import { fib } from "./_tasks.ts";
import type { Pool } from "../mod.ts";

/** One shape: a list of fib arguments, and the efficiency it should reach. */
export interface Shape {
  /** A stable key (targets and the README use it). */
  id: string;
  /** What the list is, in words. */
  label: string;
  items: number[];
  /** Efficiency target against the bare floor (floor time ÷ pool time). */
  goal: number;
}

/** A small seeded PRNG (mulberry32), so "random order" is the same list in every run and in CPython. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of the random-order shape. */
export const SHAPE_SEED = 9;

/**
 * The five shapes of the issue. `shift` lowers every fib argument (the smoke
 * run uses 10: the same shapes, ~120× less work).
 */
export function cpuShapes(shift = 0): Shape[] {
  const f = (n: number): number => n - shift;
  // 64 tasks of fib(20..32): five of each size, twelve sizes get a fifth.
  const mixed = Array.from({ length: 64 }, (_, i) => f(20 + (i % 13)));
  const longestFirst = [...mixed].sort((a, b) => b - a);
  const random = [...mixed];
  const next = mulberry32(SHAPE_SEED);
  for (let i = random.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [random[i], random[j]] = [random[j], random[i]];
  }
  return [
    {
      id: "uniform",
      label: `uniform: 32 × fib(${f(30)})`,
      items: Array(32).fill(f(30)),
      goal: 0.97,
    },
    {
      id: "uniform_heavy",
      label: `heavier uniform: 32 × fib(${f(33)})`,
      items: Array(32).fill(f(33)),
      goal: 0.97,
    },
    {
      id: "longest_first",
      label: `longest first: 64 tasks of fib(${f(20)}..${f(32)}), descending`,
      items: longestFirst,
      goal: 0.93,
    },
    {
      id: "big_then_small",
      label: `big then small: fib(${f(35)}) then 150 × fib(${f(25)})`,
      items: [f(35), ...Array(150).fill(f(25))],
      goal: 0.93,
    },
    {
      id: "random",
      label: `random order: the same 64 tasks shuffled (seed ${SHAPE_SEED})`,
      items: random,
      goal: 0.95,
    },
  ];
}

/** The contender names of one shape. */
export function shapeNames(shape: Shape): { pool: string; floor: string } {
  return {
    pool: `Pool.map, ${shape.id}`,
    floor: `bare floor, ${shape.id}`,
  };
}

/**
 * For every shape, `Pool.map` (default chunking) and the bare floor, next to
 * each other so the harness's rotating rounds interleave them.
 */
export function shapeContenders(
  shapes: Shape[],
  pool: () => Promise<Pool>,
  floor: () => Promise<RawFloor>,
): Contender[] {
  const c: Contender[] = [];
  for (const shape of shapes) {
    const expected = shape.items.map(fib);
    const ok = (values: number[]): void => {
      if (
        values.length !== expected.length ||
        values.some((v, i) => v !== expected[i])
      ) {
        throw new Error(`wrong fib result for ${shape.id}`);
      }
    };
    const names = shapeNames(shape);
    c.push(
      {
        name: names.pool,
        kind: "ours",
        n: shape.items.length,
        run: async () => ok(await (await pool()).map(fib, shape.items)),
      },
      {
        name: names.floor,
        kind: "floor",
        n: shape.items.length,
        run: async () => ok(await (await floor()).fibEach(shape.items)),
      },
    );
  }
  return c;
}

/** The fib argument that calibrates CPython's shapes. */
export const CALIBRATION_N = 27;

/**
 * ms of one fib(CALIBRATION_N) on this thread (the fastest of a few, after
 * warm-up). compare.py lowers its fib arguments by the shift that makes its
 * own tasks about as long as these, so both run the same shape of work.
 */
export function fibCalibration(): number {
  let best = Infinity;
  for (let i = 0; i < 8; i++) {
    const t = performance.now();
    fib(CALIBRATION_N);
    best = Math.min(best, performance.now() - t);
  }
  progress(`  fib(${CALIBRATION_N}) on this thread: ${best.toFixed(2)} ms`);
  return best;
}
