// The pool classes the behaviour suite runs against: ThreadPool always, and
// Pool once mod.ts exports it. Every parametrised test file loops over this.
//
// With MULTIPOOL_TEST_ADAPTER=process in the environment (`npm run
// test:process`), the suite runs against Pool with adapters/process instead:
// `pools` is that one class, named "Pool[process]", and `testAdapter()` is
// the adapter for tests that build a Pool themselves.
import process from "node:process";
import * as mp from "../mod.ts";
import type { WorkerAdapter } from "../mod.ts";
import { processAdapter } from "../adapters/process.ts";

/** The constructor shared by both pools (identical signatures). */
export type PoolClass = typeof mp.ThreadPool;

/** An instance of either pool. */
export type AnyPool = InstanceType<PoolClass>;

/** The adapter the suite runs Pool with: "process", or undefined for the default. */
export const ADAPTER: "process" | undefined =
  process.env.MULTIPOOL_TEST_ADAPTER === "process" ? "process" : undefined;

/** The adapter tests that create a Pool themselves pass: undefined for the default. */
export function testAdapter(): WorkerAdapter | undefined {
  return ADAPTER === "process" ? processAdapter : undefined;
}

/** Pool with `adapter` as the default of its options. */
function withAdapter(adapter: WorkerAdapter, name: string): PoolClass {
  class AdaptedPool extends mp.Pool {
    constructor(options?: number | mp.PoolOptions) {
      super(
        typeof options === "number" || options === undefined
          ? { processes: options, adapter }
          : typeof options === "object" && options !== null
          ? { adapter, ...options }
          : options,
      );
    }
  }
  Object.defineProperty(AdaptedPool, "name", { value: name });
  return AdaptedPool as unknown as PoolClass;
}

const exported = mp as unknown as Record<string, unknown>;

/** The pool classes under test, in a fixed order, named by their class. */
export const pools: PoolClass[] = ADAPTER === "process"
  ? [withAdapter(processAdapter, "Pool[process]")]
  : [exported.ThreadPool, exported.Pool].filter(
    (value): value is PoolClass => typeof value === "function",
  );
