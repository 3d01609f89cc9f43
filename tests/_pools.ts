// The pool classes the behaviour suite runs against: ThreadPool and Pool.
// Every parametrised test file loops over `pools`.
//
// MULTIPOOL_TEST_ADAPTER runs the suite on Pool alone, over another adapter:
//   no-shared-memory  the runtime's adapter with `sharedMemory: false` (the
//                     message-based fallback: STARTED/SKIP, no claim cells)
//   web               adapters/web (Web Workers; Deno and Bun)
//   process           adapters/process (child processes; Deno, Node and Bun):
//                     probes and counters become files (see tests/_helpers.ts)
import * as mp from "../mod.ts";
import { detectAdapter } from "../adapters/_detect.ts";

/** The constructor shared by both pools (identical signatures). */
export type PoolClass = typeof mp.ThreadPool;

/** An instance of either pool. */
export type AnyPool = InstanceType<PoolClass>;

const env = (globalThis as {
  process?: { env?: Record<string, string | undefined> };
}).process?.env ?? {};

/** The adapter variant under test, or undefined for the runtime's default. */
export const variant: string | undefined = env.MULTIPOOL_TEST_ADAPTER ||
  undefined;

async function variantAdapter(
  name: string,
): Promise<mp.WorkerAdapter> {
  if (name === "no-shared-memory") {
    const base = await detectAdapter();
    return {
      name: `${base.name}-no-shared-memory`,
      capabilities: {
        sharedMemory: false,
        exitEvents: base.capabilities?.exitEvents ?? true,
        unref: base.capabilities?.unref ?? true,
      },
      spawn: (url, options) => base.spawn(url, options),
    };
  }
  if (name === "process") {
    const process = "../adapters/process.ts";
    return (await import(process)).processAdapter;
  }
  if (name === "web") {
    const web = "../adapters/web.ts";
    return (await import(web)).webAdapter;
  }
  throw new Error(`Unknown MULTIPOOL_TEST_ADAPTER '${name}'`);
}

/** The adapter `Pool` runs on in this run. */
export const adapter: mp.WorkerAdapter = variant === undefined
  ? await detectAdapter()
  : await variantAdapter(variant);

function withAdapter(options: unknown): unknown {
  if (variant === undefined) return options;
  if (options === undefined) return { adapter };
  if (typeof options === "number") return { processes: options, adapter };
  if (typeof options !== "object" || options === null) return options;
  return { adapter, ...options };
}

/** `Pool`, on the adapter under test. */
export const Pool: typeof mp.Pool = variant === undefined
  ? mp.Pool
  : class Pool extends mp.Pool {
    constructor(options?: number | mp.PoolOptions) {
      super(withAdapter(options) as mp.PoolOptions);
    }
  };

/** The pool classes under test, in a fixed order, named by their class. */
export const pools: PoolClass[] = variant === undefined
  ? [mp.ThreadPool, mp.Pool]
  : [Pool as unknown as PoolClass];
