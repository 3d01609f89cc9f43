/**
 * The Bun worker-threads adapter. Bun's default is `adapters/web` (its Web
 * Workers start about 3x faster and pass the same suite); this one runs
 * `Pool` workers as Bun's `node:worker_threads` workers,
 * which report their exit (the code is no crash signal on Bun: an unhandled
 * rejection exits with 0, so the pool treats any exit it did not ask for as a
 * crash), stop even in a synchronous loop, and can be unreferenced. Bun
 * ignores heap limits.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { bunAdapter } from "@multipool/multipool/adapters/bun";
 *
 * const pool = new Pool({ processes: 2, adapter: bunAdapter });
 * console.log(await pool.map(Math.sqrt, [1, 4, 9])); // [1, 2, 3]
 * await pool.terminate();
 * ```
 *
 * @module
 */
import type { WorkerAdapter } from "../src/worker_adapter.ts";
import { workerThreadsAdapter } from "./_worker_threads.ts";

/**
 * Spawns `Pool` workers with Bun's `node:worker_threads`.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { bunAdapter } from "@multipool/multipool/adapters/bun";
 *
 * const pool = new Pool({ adapter: bunAdapter });
 * await pool.terminate();
 * ```
 */
export const bunAdapter: WorkerAdapter = workerThreadsAdapter("bun");
