/**
 * The Node adapter: `Pool` workers as `node:worker_threads` workers, which
 * report their exit code, stop even in a synchronous loop, enforce heap
 * limits, and can be unreferenced.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { nodeAdapter } from "@multipool/multipool/adapters/node";
 *
 * const pool = new Pool({ processes: 2, adapter: nodeAdapter });
 * console.log(await pool.map(Math.sqrt, [1, 4, 9])); // [1, 2, 3]
 * await pool.terminate();
 * ```
 *
 * @module
 */
import type { WorkerAdapter } from "../src/worker_adapter.ts";
import { workerThreadsAdapter } from "./_worker_threads.ts";

/**
 * Spawns `Pool` workers with `node:worker_threads`.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { nodeAdapter } from "@multipool/multipool/adapters/node";
 *
 * const pool = new Pool({ adapter: nodeAdapter });
 * await pool.terminate();
 * ```
 */
export const nodeAdapter: WorkerAdapter = workerThreadsAdapter("node");
