// Runs contenders side by side: every contender is set up once, warmed up,
// then measured by tinybench in interleaved rounds (the order rotates each
// round), so drifting machine load hits every contender alike. The median of
// all samples is reported.
import { Bench } from "tinybench";

/** Who a contender is, for colours and ratios. */
export type Kind = "ours" | "floor" | "peer" | "python" | "baseline";

/** One contender of a workload. */
export interface Contender {
  name: string;
  kind: Kind;
  /** Items per iteration. */
  n: number;
  setup?: () => Promise<void> | void;
  /** One iteration over `n` items; may return tinybench's `{ overriddenDuration }`. */
  run: (n: number) => Promise<unknown> | unknown;
  teardown?: () => Promise<void> | void;
}

/** A contender's outcome: median ms per iteration of n items, or why it failed. */
export interface Measured {
  name: string;
  kind: Kind;
  n: number;
  ms: number;
  /** The fastest sample, ms. */
  min: number;
  samples: number;
  /**
   * The first call, ms: the untimed warm-up run (on the workload's pool,
   * already started), kept apart from the steady-state samples.
   */
  first?: number;
  error?: string;
}

/** How long to measure. */
export interface RoundOptions {
  rounds: number;
  /** tinybench time budget per contender and round, ms (at least one iteration). */
  roundTime: number;
  /** Give up on a contender whose setup or warm-up takes longer, ms. */
  setupTimeout: number;
}

const launched = performance.now();

/** Print progress on stderr; a line that does not start with a space gets the seconds since start. */
export function progress(message: string): void {
  if (!message.startsWith(" ") && !message.startsWith("\n")) {
    message = `[${
      ((performance.now() - launched) / 1000).toFixed(0)
    } s] ${message}`;
  }
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (g.process?.stderr?.write) g.process.stderr.write(`${message}\n`);
  else console.error(message);
}

/** Measure every contender of `label` in interleaved rounds. */
export async function measureAll(
  label: string,
  contenders: Contender[],
  options: RoundOptions,
): Promise<Measured[]> {
  const live: Array<
    {
      c: Contender;
      n: number;
      first: number;
      samples: number[];
      error?: string;
    }
  > = [];
  const failed = new Map<Contender, string>();
  for (const c of contenders) {
    progress(`  [${label}] set up and warm up: ${c.name}`);
    try {
      const { n, first } = await withTimeout(
        prepare(c),
        options.setupTimeout,
        c.name,
      );
      live.push({ c, n, first, samples: [] });
    } catch (error) {
      failed.set(c, describe(error));
      progress(`  [${label}] FAILED ${c.name}: ${describe(error)}`);
      try {
        await withTimeout(Promise.resolve(c.teardown?.()), 5000, c.name);
      } catch { /* already reported */ }
    }
  }
  for (let round = 0; round < options.rounds; round++) {
    progress(`  [${label}] round ${round + 1}/${options.rounds}`);
    const order = live.slice(round % live.length).concat(
      live.slice(0, round % live.length),
    );
    const bench = new Bench({
      name: label,
      time: options.roundTime,
      iterations: 1,
      warmup: false,
      retainSamples: true,
      throws: true,
    });
    for (const entry of order) {
      // A contender that hangs or throws is dropped from the run, not fatal.
      bench.add(entry.c.name, async (): Promise<unknown> => {
        if (entry.error) return undefined;
        try {
          return await withTimeout(
            Promise.resolve(entry.c.run(entry.n)),
            options.setupTimeout,
            entry.c.name,
          );
        } catch (error) {
          entry.error = describe(error);
          progress(`  [${label}] FAILED ${entry.c.name}: ${entry.error}`);
          return undefined;
        }
      });
    }
    await bench.run();
    for (const entry of order) {
      // deno-lint-ignore no-explicit-any
      const result = bench.getTask(entry.c.name)!.result as any;
      for (const sample of result.latency.samples ?? []) {
        entry.samples.push(sample);
      }
    }
  }
  for (const { c } of live) {
    try {
      await withTimeout(Promise.resolve(c.teardown?.()), 10_000, c.name);
    } catch (error) {
      progress(`  [${label}] teardown of ${c.name}: ${describe(error)}`);
    }
  }
  return contenders.map((c) => {
    const entry = live.find((e) => e.c === c);
    if (!entry || entry.error) {
      return {
        name: c.name,
        kind: c.kind,
        n: c.n,
        ms: NaN,
        min: NaN,
        samples: 0,
        error: entry?.error ?? failed.get(c),
      };
    }
    return {
      name: c.name,
      kind: c.kind,
      n: entry.n,
      ms: median(entry.samples),
      min: entry.samples.reduce((a, b) => Math.min(a, b), Infinity),
      samples: entry.samples.length,
      first: entry.first,
    };
  });
}

async function prepare(c: Contender): Promise<{ n: number; first: number }> {
  await c.setup?.();
  const start = performance.now();
  const out = await c.run(c.n);
  const overridden = (out as { overriddenDuration?: number } | undefined)
    ?.overriddenDuration;
  return { n: c.n, first: overridden ?? performance.now() - start };
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Rejects if `promise` has not settled within `ms`. */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  name: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name}: no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}
