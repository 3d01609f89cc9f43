// ClusterPool's executor: each chunk is one BullMQ job on the cluster's
// queue; agents run it. Completions come from BullMQ's events stream (read
// here with XREAD on a connection of our own, so an idle pool can unref it),
// and a periodic check of the jobs in flight catches what the stream lost
// and the jobs whose agent died (an active job whose lock expired).
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type {
  Chunk,
  Executor,
  ExecutorConfig,
  ExecutorHost,
} from "../src/_executor.ts";
import { WorkerCrashedError } from "../src/errors.ts";
import type { Wire } from "../src/_protocol.ts";
import { type Prepared, type TaskRef, TaskRefs } from "../src/_task_ref.ts";
import type { Task } from "../src/types.ts";
import { assertSendable, decode, encode, errorFromWire } from "./_codec.ts";
import {
  agentKey,
  agentsKey,
  BROKEN,
  CANCELLED,
  type ChunkOutcome,
  connect,
  controlChannel,
  type ControlMessage,
  DONE,
  EVENTS_MAX_LEN,
  FAILED,
  type JobData,
  moduleHash,
  type PoolSettings,
  PREFIX,
  type RedisConnection,
} from "./_shared.ts";

/** The cluster-specific settings of a ClusterPool. */
export interface ClusterSettings {
  redis: RedisConnection;
  cluster: string;
  /** `processes` as the user gave it; undefined: the agents' threads. */
  processes?: number;
  checkInterval: number;
}

interface InFlight {
  chunk: Chunk<Prepared>;
  /** The job is in Redis (its add resolved). */
  added: boolean;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fieldsOf(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return fields;
}

function crashed(
  agent: string | null | undefined,
  how: string,
): WorkerCrashedError {
  return new WorkerCrashedError(
    `Agent ${
      agent ? `'${agent}' ` : ""
    }stopped while running the chunk (${how})`,
  );
}

/** Runs chunks as BullMQ jobs; see src/_executor.ts for the contract. */
export class ClusterExecutor implements Executor<Prepared> {
  #host: ExecutorHost;
  #config: ExecutorConfig;
  #settings: ClusterSettings;
  #refs: TaskRefs;
  #id = randomId();
  #seq = 0;
  #ready: Promise<void>;
  #isReady = false;
  #redis: Redis;
  #reader: Redis;
  #queue: Queue;
  #eventsKey: string;
  #lastEvent = "0-0";
  #hash: string | null = null;
  #poolSettings: PoolSettings = {};
  #threads = 0;
  #inflight = new Map<string, InFlight>();
  #ids = new Map<Chunk<Prepared>, string>();
  #adds: { name: string; data: JobData; opts: { jobId: string } }[] = [];
  #removals = new Set<string>();
  #flushing = false;
  #pending = 0;
  #stopped = false;
  #closed = false;
  #closing = false;
  #busy = true;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    host: ExecutorHost,
    config: ExecutorConfig,
    settings: ClusterSettings,
  ) {
    this.#host = host;
    this.#config = config;
    this.#settings = settings;
    this.#refs = new TaskRefs(config.module);
    this.#redis = connect(settings.redis);
    this.#reader = connect(settings.redis);
    for (const client of [this.#redis, this.#reader]) {
      client.on("connect", () => this.#applyRef(client));
      client.on("error", () => {});
    }
    this.#queue = new Queue(settings.cluster, {
      connection: this.#redis,
      prefix: PREFIX,
      streams: { events: { maxLen: EVENTS_MAX_LEN } },
    });
    this.#queue.on("error", () => {});
    this.#eventsKey = this.#queue.keys.events;
    this.#ready = this.#start();
    this.#ready.catch(() => {});
  }

  /** The threads of the registered agents (at least 1), unless `processes` was given. */
  get processes(): number {
    return this.#settings.processes ?? Math.max(1, this.#threads);
  }

  async #start(): Promise<void> {
    try {
      await this.#queue.waitUntilReady();
      const last = await this.#redis.xrevrange(
        this.#eventsKey,
        "+",
        "-",
        "COUNT",
        1,
      );
      if (last.length > 0) this.#lastEvent = last[0][0];
      this.#read();
      await this.#readAgents();
      const { module, initializer, initArgs, maxTasksPerChild } = this.#config;
      if (module !== undefined) {
        this.#hash = await moduleHash(this.#refs.module!.specifier);
      }
      const settings: PoolSettings = {};
      if (initializer !== undefined) {
        try {
          settings.r = await this.#refs.resolve(initializer) as TaskRef;
          assertSendable(initArgs, "'initArgs' to the cluster");
          settings.a = encode(initArgs);
        } catch (error) {
          this.#break(error);
          throw error;
        }
      }
      if (maxTasksPerChild !== undefined) settings.m = maxTasksPerChild;
      this.#poolSettings = settings;
      this.#timer = setInterval(
        () => this.#check(),
        this.#settings.checkInterval,
      );
      (this.#timer as { unref?: () => void }).unref?.();
      this.#isReady = true;
    } finally {
      this.#updateBusy();
    }
  }

  prepare(task: Task): Prepared | Promise<Prepared> {
    if (!this.#isReady) return this.#ready.then(() => this.#refs.prepare(task));
    return this.#refs.prepare(task);
  }

  hasCapacity(): boolean {
    if (this.#stopped) return false;
    const limit = this.#settings.processes ?? 2 * this.processes;
    return this.#inflight.size < limit;
  }

  run(chunk: Chunk<Prepared>): void {
    const transfer = chunk.transfer;
    if (
      typeof transfer === "function" ||
      (Array.isArray(transfer) && transfer.length > 0)
    ) {
      chunk.fail(
        new TypeError(
          "Cannot send 'transfer' objects to a cluster: arguments are copied to other machines, never transferred",
        ),
      );
      return;
    }
    let items: string;
    try {
      assertSendable(chunk.items, "the task's arguments to the cluster");
      items = encode(chunk.items);
    } catch (error) {
      chunk.fail(error);
      return;
    }
    const jobId = `${this.#id}-${++this.#seq}`;
    this.#inflight.set(jobId, { chunk, added: false });
    this.#ids.set(chunk, jobId);
    this.#adds.push({
      name: "chunk",
      data: {
        p: this.#id,
        t: chunk.task.ref,
        s: chunk.star,
        i: items,
        h: this.#hash,
        c: this.#poolSettings,
      },
      opts: { jobId },
    });
    this.#updateBusy();
    this.#flushSoon();
  }

  // Adds the jobs of this tick in one round trip, and removes finished jobs.
  #flushSoon(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      this.#flushing = false;
      if (this.#closed) return;
      const adds = this.#adds;
      this.#adds = [];
      if (adds.length > 0) {
        this.#pending++;
        this.#queue.addBulk(
          adds.map((add) => ({
            ...add,
            opts: {
              ...add.opts,
              removeOnComplete: { age: 3600 },
              removeOnFail: { age: 3600 },
            },
          })),
        ).then(
          () => {
            const dropped: string[] = [];
            for (const add of adds) {
              const entry = this.#inflight.get(add.opts.jobId);
              if (entry) entry.added = true;
              else dropped.push(add.opts.jobId);
            }
            // Cancelled while being added: remove or stop them now.
            if (dropped.length > 0) this.#stopJobs(dropped, this.#closing);
          },
          (error) => {
            for (const add of adds) this.#failJob(add.opts.jobId, error);
          },
        ).finally(() => this.#donePending());
      }
      if (this.#removals.size > 0) {
        const ids = [...this.#removals];
        this.#removals.clear();
        this.#pending++;
        Promise.all(ids.map((id) => this.#queue.remove(id).catch(() => 0)))
          .finally(() => this.#donePending());
      }
    });
  }

  #donePending(): void {
    this.#pending--;
    if (this.#removals.size > 0) this.#flushSoon();
    this.#updateBusy();
  }

  // While nothing is in flight, the connections do not keep the process alive.
  #updateBusy(): void {
    const busy = (!this.#isReady || this.#closing) && !this.#closed ||
      this.#inflight.size > 0 || this.#pending > 0 || this.#adds.length > 0;
    if (busy === this.#busy) return;
    this.#busy = busy;
    this.#applyRef(this.#redis);
    this.#applyRef(this.#reader);
  }

  #applyRef(client: Redis): void {
    const stream = client.stream as
      | { ref?: () => void; unref?: () => void }
      | undefined;
    if (this.#busy) stream?.ref?.();
    else stream?.unref?.();
  }

  async #read(): Promise<void> {
    while (!this.#closed) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = await this.#reader.xread(
          "COUNT",
          1000,
          "BLOCK",
          5000,
          "STREAMS",
          this.#eventsKey,
          this.#lastEvent,
        ) as [string, [string, string[]][]][] | null;
      } catch {
        if (this.#closed) return;
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 100);
          (timer as { unref?: () => void }).unref?.();
        });
        continue;
      }
      if (!reply) continue;
      for (const [, entries] of reply) {
        for (const [id, flat] of entries) {
          this.#lastEvent = id;
          try {
            this.#onEvent(fieldsOf(flat));
          } catch {
            // Not an event of ours (or a malformed one): the check settles ours.
          }
        }
      }
    }
  }

  #onEvent(event: Record<string, string>): void {
    const jobId = event.jobId;
    if (jobId === undefined || !jobId.startsWith(`${this.#id}-`)) return;
    switch (event.event) {
      case "completed":
        this.#removals.add(jobId);
        this.#flushSoon();
        this.#complete(jobId, JSON.parse(event.returnvalue));
        return;
      case "failed":
        this.#removals.add(jobId);
        this.#flushSoon();
        this.#failJob(jobId, this.#failure(event.failedReason, undefined));
        return;
      case "stalled":
        this.#failJob(jobId, crashed(undefined, "its job lock expired"));
    }
  }

  #failure(
    reason: string | undefined,
    agent: string | null | undefined,
  ): Error {
    return /stalled|started more than/.test(reason ?? "")
      ? crashed(agent, "its job lock expired")
      : new Error(`Cluster job failed: ${reason}`);
  }

  #take(jobId: string): Chunk<Prepared> | undefined {
    const entry = this.#inflight.get(jobId);
    if (entry === undefined) return undefined;
    this.#inflight.delete(jobId);
    this.#ids.delete(entry.chunk);
    this.#updateBusy();
    return entry.chunk;
  }

  #failJob(jobId: string, error: unknown): void {
    this.#take(jobId)?.fail(error);
  }

  #complete(jobId: string, encoded: unknown): void {
    const chunk = this.#take(jobId);
    if (chunk === undefined) return;
    let outcome: ChunkOutcome;
    try {
      outcome = decode(String(encoded)) as ChunkOutcome;
    } catch (error) {
      chunk.fail(error);
      return;
    }
    switch (outcome[0]) {
      case DONE: {
        const flat = outcome[2];
        let errors: Map<number, unknown> | undefined;
        if (flat && flat.length > 0) {
          errors = new Map();
          for (let i = 0; i < flat.length; i += 2) {
            errors.set(flat[i] as number, errorFromWire(flat[i + 1] as Wire));
          }
        }
        chunk.settle(outcome[1], errors);
        return;
      }
      case FAILED:
        chunk.fail(errorFromWire(outcome[1]));
        return;
      case BROKEN:
        // The core fails this chunk with the others, as BrokenPoolError.
        this.#break(errorFromWire(outcome[1]));
        return;
      case CANCELLED:
        chunk.fail(crashed(undefined, "the agent dropped it"));
    }
  }

  // Every check interval while busy: settle what the events stream lost,
  // fail the chunks whose agent died (active, lock expired), count agents.
  async #check(): Promise<void> {
    if (this.#closed) return;
    if (!this.#busy) return;
    const ids = [...this.#inflight].filter(([, e]) => e.added).map(([id]) =>
      id
    );
    try {
      if (ids.length > 0) {
        const pipeline = this.#redis.pipeline();
        for (const id of ids) {
          const key = this.#queue.toKey(id);
          pipeline.hmget(
            key,
            "finishedOn",
            "returnvalue",
            "failedReason",
            "processedOn",
            "pb",
          );
          pipeline.exists(`${key}:lock`);
        }
        const replies = await pipeline.exec() ?? [];
        ids.forEach((id, n) => {
          const [finishedOn, returnvalue, failedReason, processedOn, agent] =
            (replies[2 * n]?.[1] ?? []) as (string | null)[];
          const locked = replies[2 * n + 1]?.[1] === 1;
          if (finishedOn) {
            this.#removals.add(id);
            if (failedReason) {
              this.#failJob(id, this.#failure(failedReason, agent));
            } else this.#complete(id, JSON.parse(returnvalue ?? "null"));
          } else if (processedOn && !locked) {
            this.#removals.add(id);
            this.#failJob(id, crashed(agent, "its job lock expired"));
          }
        });
        if (this.#removals.size > 0) this.#flushSoon();
      }
      await this.#readAgents();
    } catch {
      // Redis unreachable: try again at the next check.
    }
  }

  async #readAgents(): Promise<void> {
    const cluster = this.#settings.cluster;
    const ids = await this.#redis.smembers(agentsKey(cluster));
    let threads = 0;
    if (ids.length > 0) {
      const values = await this.#redis.mget(
        ids.map((id) => agentKey(cluster, id)),
      );
      const gone: string[] = [];
      values.forEach((value, i) => {
        if (value === null) gone.push(ids[i]);
        else threads += Number(JSON.parse(value).processes) || 0;
      });
      if (gone.length > 0) await this.#redis.srem(agentsKey(cluster), ...gone);
    }
    const grew = threads > this.#threads;
    this.#threads = threads;
    if (grew && this.#isReady) this.#host.pump();
  }

  #publish(message: ControlMessage): Promise<unknown> {
    return this.#redis.publish(
      controlChannel(this.#settings.cluster),
      JSON.stringify(message),
    ).catch(() => {});
  }

  withdraw(chunk: Chunk<Prepared>): boolean {
    const jobId = this.#ids.get(chunk);
    if (jobId === undefined) return false;
    const index = this.#adds.findIndex((add) => add.opts.jobId === jobId);
    if (index < 0) return false;
    this.#adds.splice(index, 1);
    this.#take(jobId);
    return true;
  }

  cancel(chunk: Chunk<Prepared>): void {
    const jobId = this.#ids.get(chunk);
    if (jobId === undefined) return;
    this.#take(jobId);
    const index = this.#adds.findIndex((add) => add.opts.jobId === jobId);
    // Not added yet: never sent. Being added: stopped now (the agents
    // remember the id) and removed again once the add lands.
    if (index >= 0) this.#adds.splice(index, 1);
    else this.#stopJobs([jobId]);
    this.#host.pump();
  }

  // Removes waiting jobs; the running ones are cancelled by their agents.
  #stopJobs(ids: string[], all = false): Promise<unknown> {
    this.#pending++;
    this.#updateBusy();
    const done = Promise.all([
      this.#publish(all ? { p: this.#id, all: true } : { p: this.#id, c: ids }),
      ...ids.map((id) => this.#queue.remove(id).catch(() => 0)),
    ]).finally(() => this.#donePending());
    return done;
  }

  #break(cause: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const ids = [...this.#inflight.keys()];
    this.#inflight.clear();
    this.#ids.clear();
    this.#adds = [];
    this.#stopJobs(ids, true);
    this.#host.broken(cause);
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#updateBusy();
    clearInterval(this.#timer);
    this.#reader.disconnect();
    await this.#queue.close().catch(() => {});
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#closing = true;
    this.#updateBusy();
    await this.#ready.catch(() => {});
    while (this.#pending > 0 || this.#removals.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await this.#publish({ p: this.#id, bye: true });
    await this.#close();
  }

  async terminate(): Promise<void> {
    this.#stopped = true;
    this.#closing = true;
    this.#updateBusy();
    const ids = [...this.#inflight.keys()];
    this.#inflight.clear();
    this.#ids.clear();
    this.#adds = [];
    await this.#ready.catch(() => {});
    await this.#stopJobs(ids, true);
    while (this.#pending > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await this.#close();
  }
}
