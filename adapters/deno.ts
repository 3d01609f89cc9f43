/**
 * The Deno adapter: `Pool` workers as Deno's `node:worker_threads` workers,
 * which report their exit code and can be unreferenced.
 *
 * Deno's limits, which no adapter over its threads can lift (only a child
 * process can always be stopped): `terminate()` on a worker stuck in a synchronous loop resolves
 * and the exit event fires, but the thread keeps a core busy until the
 * process exits (the pool warns once when it terminates a worker mid-task);
 * a worker that reaches its heap limit hangs with no event, so its tasks
 * never settle.
 *
 * Each worker starts from a tiny `data:` module that imports the entry by a
 * computed specifier: Deno type-checks a worker's static module graph on
 * every spawn when checking is on (`deno test`), which costs seconds.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { denoAdapter } from "@multipool/multipool/adapters/deno";
 *
 * const pool = new Pool({ processes: 2, adapter: denoAdapter });
 * console.log(await pool.map(Math.sqrt, [1, 4, 9])); // [1, 2, 3]
 * await pool.terminate();
 * ```
 *
 * @module
 */
import type { WorkerAdapter } from "../src/worker_adapter.ts";
import { workerThreadsAdapter } from "./_worker_threads.ts";

/**
 * Spawns `Pool` workers with Deno's `node:worker_threads`.
 *
 * @example Usage
 * ```ts ignore
 * import { Pool } from "@multipool/multipool";
 * import { denoAdapter } from "@multipool/multipool/adapters/deno";
 *
 * const pool = new Pool({ adapter: denoAdapter });
 * await pool.terminate();
 * ```
 */
export const denoAdapter: WorkerAdapter = workerThreadsAdapter(
  "deno",
  (url) => {
    const boot = `const entry = ${JSON.stringify(url.href)};\nimport(entry);\n`;
    return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
  },
  false,
);
