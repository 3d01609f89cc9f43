// The pool classes the behaviour suite runs against: ThreadPool always, and
// Pool once mod.ts exports it. Every parametrised test file loops over this.
import * as mp from "../mod.ts";

/** The constructor shared by both pools (identical signatures). */
export type PoolClass = typeof mp.ThreadPool;

/** An instance of either pool. */
export type AnyPool = InstanceType<PoolClass>;

const exported = mp as unknown as Record<string, unknown>;

/** The pool classes under test, in a fixed order, named by their class. */
export const pools: PoolClass[] = [exported.ThreadPool, exported.Pool].filter(
  (value): value is PoolClass => typeof value === "function",
);
