/**
 * {@linkcode Agent}: what `multipool worker` runs. It takes chunks of a
 * cluster's BullMQ queue and runs them in worker threads through the very
 * executor `Pool` uses (one per ClusterPool, with its initializer and
 * `maxTasksPerChild`), so crash, cancel and initializer handling are
 * `Pool`'s, and its own event loop stays free to renew job locks.
 *
 * @module
 */

import { Worker as BullWorker } from "bullmq";
import type { Redis } from "ioredis";
import { moduleSpecifier } from "../src/_module.ts";
import { toWire } from "../src/_protocol.ts";
import { decode, encodeOutcome } from "./_codec.ts";
import {
  type AgentChunk,
  type Local,
  makeLocal,
  preparedTask,
  pump,
  sourceRefused,
} from "./_agent_local.ts";
import {
  type AgentInfo,
  agentKey,
  agentsKey,
  BROKEN,
  CANCELLED,
  CHECK_INTERVAL,
  checkClusterName,
  type ChunkOutcome,
  connect,
  controlChannel,
  type ControlMessage,
  DONE,
  FAILED,
  HEARTBEAT,
  type JobData,
  LOCK_DURATION,
  moduleHash,
  PREFIX,
  type RedisConnection,
} from "./_shared.ts";

/** Options of {@linkcode Agent}. */
export interface AgentOptions {
  /** The Redis server: a `redis://host:port` URL or ioredis options. */
  redis: RedisConnection;
  /** The cluster to serve. Default `"multipool"`. */
  cluster?: string;
  /** The task module (path or URL); pools must use one with the same content. */
  module?: string | URL;
  /** How many chunks run at once (worker threads). Default: the CPU count. */
  processes?: number;
  /** Run tasks sent as source text. Off: anyone who can write to Redis could run code here. */
  allowSource?: boolean;
  /** BullMQ job lock duration (ms). Default 8000. */
  lockDuration?: number;
  /** BullMQ stalled-job check interval (ms); the same on every agent of a cluster. Default 2000. */
  stalledInterval?: number;
}

function cpuCount(): number {
  const runtime = globalThis as {
    navigator?: { hardwareConcurrency?: number };
  };
  return runtime.navigator?.hardwareConcurrency ?? 1;
}

function runtimeName(): string {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  return g.Deno ? "deno" : g.Bun ? "bun" : "node";
}

const FORGET_AFTER = 10 * 60_000;

/**
 * Serves a cluster: runs the chunks of every {@linkcode ClusterPool} on it.
 *
 * @example Usage
 * ```ts ignore
 * import { Agent } from "@multipool/multipool/cluster";
 *
 * const agent = new Agent({ redis: "redis://127.0.0.1:6379", module: "./tasks.js" });
 * await agent.start();
 * // ... later
 * await agent.stop();
 * ```
 */
export class Agent {
  /** This agent's id in the cluster's registry. */
  readonly id: string;
  #options: AgentOptions;
  #cluster: string;
  #processes: number;
  #specifier: string | undefined;
  #hash: string | null = null;
  #redis: Redis | undefined;
  #subscriber: Redis | undefined;
  #worker: BullWorker | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #locals = new Map<string, Local>();
  #cancelled = new Map<string, number>();
  #terminated = new Map<string, number>();
  #stopping = false;

  /**
   * Makes an agent; `start()` connects it.
   *
   * @param options {@linkcode AgentOptions}: `redis` at least.
   */
  constructor(options: AgentOptions) {
    this.#options = options;
    this.#cluster = checkClusterName(
      "start agent",
      options.cluster ?? "multipool",
    );
    this.#processes = options.processes ?? cpuCount();
    if (options.module !== undefined) {
      this.#specifier = moduleSpecifier(options.module);
    }
    const host = (globalThis as { process?: { pid?: number } }).process?.pid;
    const random = Math.random().toString(36).slice(2, 6);
    this.id = `${runtimeName()}-${host ?? 0}-${random}`;
  }

  /** Connects, registers and starts taking chunks. */
  async start(): Promise<void> {
    if (this.#specifier !== undefined) {
      this.#hash = await moduleHash(this.#specifier);
      await import(this.#specifier);
    }
    const { redis } = this.#options;
    this.#redis = connect(redis);
    this.#subscriber = connect(redis);
    this.#redis.on("error", () => {});
    this.#subscriber.on("error", () => {});
    await this.#subscriber.subscribe(controlChannel(this.#cluster));
    this.#subscriber.on("message", (_channel: string, text: string) => {
      try {
        this.#control(JSON.parse(text));
      } catch {
        // Not ours.
      }
    });
    await this.#register();
    this.#heartbeat = setInterval(
      () => this.#register().catch(() => {}),
      HEARTBEAT,
    );
    this.#worker = new BullWorker(
      this.#cluster,
      (job) => this.#process(job.id!, job.data as JobData),
      {
        connection: connect(redis),
        prefix: PREFIX,
        name: this.id,
        concurrency: this.#processes,
        lockDuration: this.#options.lockDuration ?? LOCK_DURATION,
        stalledInterval: this.#options.stalledInterval ?? CHECK_INTERVAL,
        maxStalledCount: 0,
        maxStartedAttempts: 1,
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 3600 },
      },
    );
    this.#worker.on("error", () => {});
    await this.#worker.waitUntilReady();
  }

  async #register(): Promise<void> {
    const info: AgentInfo = {
      id: this.id,
      processes: this.#processes,
      runtime: runtimeName(),
      allowSource: this.#options.allowSource === true,
      ...(this.#specifier ? { module: this.#specifier } : {}),
      ...(this.#hash ? { hash: this.#hash } : {}),
    };
    await this.#redis!.multi()
      .set(
        agentKey(this.#cluster, this.id),
        JSON.stringify(info),
        "PX",
        3 * HEARTBEAT,
      )
      .sadd(agentsKey(this.#cluster), this.id)
      .exec();
  }

  /** Stops taking chunks, lets the running ones finish (or drops them when `force`), and leaves the registry. */
  async stop(force = false): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#heartbeat);
    await this.#redis?.multi().del(agentKey(this.#cluster, this.id))
      .srem(agentsKey(this.#cluster), this.id).exec().catch(() => {});
    await this.#worker?.close(force);
    for (const local of this.#locals.values()) await local.executor.terminate();
    this.#locals.clear();
    this.#subscriber?.disconnect();
    await this.#redis?.quit().catch(() => {});
  }

  #remember(map: Map<string, number>, key: string): void {
    const now = Date.now();
    map.set(key, now);
    for (const [old, at] of map) {
      if (now - at < FORGET_AFTER) break;
      map.delete(old);
    }
  }

  #control(message: ControlMessage): void {
    const local = this.#locals.get(message.p);
    if (message.c) {
      for (const jobId of message.c) {
        this.#remember(this.#cancelled, jobId);
        if (!local) continue;
        for (const chunk of [...local.running, ...local.waiting]) {
          if (chunk.jobId === jobId) this.#drop(local, chunk);
        }
      }
    }
    if (message.all) {
      this.#remember(this.#terminated, message.p);
      if (local) {
        for (const chunk of [...local.running, ...local.waiting]) {
          this.#drop(local, chunk);
        }
        this.#locals.delete(message.p);
        local.executor.terminate().catch(() => {});
      }
    }
    if (message.bye && local) {
      this.#locals.delete(message.p);
      local.ready.then(() => local.executor.shutdown()).catch(() => {});
    }
  }

  // Stops a chunk (its worker is replaced if it was running) and answers CANCELLED.
  #drop(local: Local, chunk: AgentChunk): void {
    const index = local.waiting.indexOf(chunk);
    if (index >= 0) local.waiting.splice(index, 1);
    else if (local.running.delete(chunk)) local.executor.cancel(chunk);
    chunk.resolve([CANCELLED]);
  }

  async #process(jobId: string, data: JobData): Promise<string> {
    const outcome = await this.#outcome(jobId, data);
    return encodeOutcome(outcome);
  }

  async #outcome(jobId: string, data: JobData): Promise<ChunkOutcome> {
    if (this.#terminated.has(data.p) || this.#cancelled.has(jobId)) {
      return [CANCELLED];
    }
    if (data.h !== null && data.h !== this.#hash) {
      return [FAILED, toWire(this.#mismatch(data.h))];
    }
    if ("source" in data.t && this.#options.allowSource !== true) {
      return [FAILED, toWire(sourceRefused(data.t.name, this.id))];
    }
    let local: Local;
    try {
      local = this.#local(data);
      await local.ready;
    } catch (error) {
      return [BROKEN, toWire(error)];
    }
    if (local.broken) return [BROKEN, toWire(local.broken.cause)];
    // Cancelled while this agent was getting ready for it.
    if (this.#terminated.has(data.p) || this.#cancelled.has(jobId)) {
      return [CANCELLED];
    }
    const items = decode(data.i) as unknown[];
    return new Promise<ChunkOutcome>((resolve) => {
      let done = false;
      const chunk: AgentChunk = {
        jobId,
        task: preparedTask(local, data.t),
        items,
        star: data.s,
        settle(values, errors) {
          if (done) return;
          const flat: unknown[] = [];
          for (const [index, error] of errors ?? []) {
            flat.push(index, toWire(error));
          }
          chunk.resolve([DONE, values, flat]);
        },
        fail(error) {
          chunk.resolve([FAILED, toWire(error)]);
        },
        resolve(outcome) {
          if (done) return;
          done = true;
          local.running.delete(chunk);
          resolve(outcome);
        },
      };
      local.waiting.push(chunk);
      pump(local);
    });
  }

  #mismatch(theirs: string): Error {
    const mine = this.#hash === null
      ? "has no task module"
      : `has '${this.#specifier}' (sha-256 ${this.#hash.slice(0, 12)})`;
    return new Error(
      `Cannot run the chunk on agent '${this.id}' as its task module differs from the pool's: the pool's module has sha-256 ${
        theirs.slice(0, 12)
      }, the agent ${mine}. Start the agent with the same module file`,
    );
  }

  // The pool's own executor on this agent, made on its first chunk.
  #local(data: JobData): Local {
    let local = this.#locals.get(data.p);
    if (local) return local;
    local = makeLocal(data, {
      processes: this.#processes,
      specifier: this.#specifier,
      allowSource: this.#options.allowSource === true,
      agentId: this.id,
    });
    this.#locals.set(data.p, local);
    return local;
  }
}
