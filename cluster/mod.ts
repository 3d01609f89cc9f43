/**
 * {@linkcode ClusterPool}: the pool API across machines. Chunks are BullMQ
 * jobs on Redis; agents (`multipool worker --redis URL --cluster NAME
 * --module ./tasks.js`) run them in their own worker threads. Needs the
 * `bullmq`, `ioredis` and `msgpackr` packages (optional peer dependencies of
 * the npm package); the main entry never loads them.
 *
 * @example Usage
 * ```ts ignore
 * import { ClusterPool } from "@multipool/multipool/cluster";
 * import { fib } from "./tasks.ts";
 *
 * const pool = new ClusterPool({
 *   redis: "redis://127.0.0.1:6379",
 *   cluster: "demo",
 *   module: new URL("./tasks.ts", import.meta.url),
 * });
 * console.log(await pool.map(fib, [30, 31, 32]));
 * pool.close();
 * await pool.join();
 * ```
 *
 * @module
 */

import { PoolBase } from "../src/_pool_base.ts";
import type { PoolOptions } from "../src/types.ts";
import { ClusterExecutor } from "./_cluster_executor.ts";
import {
  CHECK_INTERVAL,
  checkClusterName,
  type RedisConnection,
} from "./_shared.ts";
import { positiveInteger } from "../src/_validate.ts";

export type { RedisConnection, RedisConnectionOptions } from "./_shared.ts";
export { Agent, type AgentOptions } from "./agent.ts";

/** Options of `new ClusterPool(options)`. */
export interface ClusterPoolOptions
  extends Omit<PoolOptions, "adapter" | "processes"> {
  /** The Redis server: a `redis://host:port` URL or ioredis options. Redis must run with `maxmemory-policy noeviction`. */
  redis: RedisConnection;
  /** The cluster's name: the agents started with `--cluster NAME` run its chunks. Default `"multipool"`. */
  cluster?: string;
  /**
   * How many chunks are in flight at once (queued in Redis or running).
   * Default: the threads of the agents registered, kept up to date, with as
   * many again queued so that no agent waits for the pool.
   */
  processes?: number;
  /**
   * How often (ms) the pool checks its jobs in flight: a job whose agent
   * died is failed with `WorkerCrashedError` within the agents' lock
   * duration plus this. Default 2000.
   */
  checkInterval?: number;
}

/**
 * A pool whose chunks run on agent processes, on this machine or others,
 * through BullMQ on Redis. It has the methods of {@linkcode Pool}; tasks are
 * exports of `options.module` (sent by reference; the agent's module must
 * have the same content) or, only where agents run with `--allow-source`,
 * self-contained functions sent as source text. Arguments and results are
 * copied (msgpackr, structured-clone rules); `transfer` and
 * SharedArrayBuffer are refused. A chunk runs at most once: an agent that
 * dies fails its chunks with `WorkerCrashedError`, never a silent retry.
 * An idle pool does not keep the process alive.
 *
 * @example Usage
 * ```ts ignore
 * import { ClusterPool } from "@multipool/multipool/cluster";
 *
 * await using pool = new ClusterPool({
 *   redis: "redis://127.0.0.1:6379",
 *   module: new URL("./tasks.ts", import.meta.url),
 * });
 * console.log(await pool.map("fib", [25, 26, 27]));
 * ```
 */
export class ClusterPool extends PoolBase {
  /**
   * Connects to the cluster. Agents may join or leave at any time; chunks
   * wait in Redis until one takes them.
   *
   * @param options {@linkcode ClusterPoolOptions}: `redis` at least.
   * @throws {TypeError} If `redis` or `cluster` is missing or malformed.
   * @throws {RangeError} If `processes`, `maxTasksPerChild` or `checkInterval` is not a positive integer.
   */
  constructor(options: ClusterPoolOptions) {
    const action = "create cluster pool";
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot ${action} as 'options' must be an object: current value is ${
          String(options)
        }`,
      );
    }
    const { redis, cluster = "multipool", checkInterval = CHECK_INTERVAL } =
      options;
    if (
      typeof redis !== "string" && (typeof redis !== "object" || redis === null)
    ) {
      throw new TypeError(
        `Cannot ${action} as 'redis' must be a URL string or connection options: current value is ${
          String(redis)
        }`,
      );
    }
    checkClusterName(action, cluster);
    positiveInteger(action, "checkInterval", checkInterval);
    const { processes } = options;
    super(
      { ...options, processes: processes ?? 1 },
      (host, config) =>
        new ClusterExecutor(host, config, {
          redis,
          cluster,
          processes,
          checkInterval,
        }),
    );
  }
}
