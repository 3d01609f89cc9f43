// ClusterPool's executor: each chunk is one BullMQ job on the cluster's
// queue; agents run it. Completions come from BullMQ's events stream
// (./_cluster_events.ts), and a periodic check of the jobs in flight catches
// what the stream lost and the jobs whose agent died (lock expired).
import type {
  Chunk,
  Executor,
  ExecutorConfig,
  ExecutorHost,
} from "../src/_executor.ts";
import { type Prepared, TaskRefs } from "../src/_task_ref.ts";
import type { Task } from "../src/types.ts";
import {
  encodeItems,
  encodePoolSettings,
  randomId,
} from "./_cluster_job_data.ts";
import { ClusterConnections } from "./_cluster_connections.ts";
import { InFlightJobs } from "./_cluster_inflight.ts";
import { EventsReader, type QueueEvent } from "./_cluster_events.ts";
import {
  countAgentThreads,
  crashed,
  jobFailure,
  readJobStates,
  settleChunk,
} from "./_cluster_jobs.ts";
import {
  type ControlMessage,
  type JobData,
  moduleHash,
  type PoolSettings,
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
  #connections: ClusterConnections;
  #events: EventsReader;
  #hash: string | null = null;
  #poolSettings: PoolSettings = {};
  #threads = 0;
  #inflight = new InFlightJobs();
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
    this.#connections = new ClusterConnections(
      settings.redis,
      settings.cluster,
    );
    this.#events = new EventsReader(
      this.#connections.reader,
      this.#connections.queue.keys.events,
      (event) => this.#onEvent(event),
    );
    this.#ready = this.#start();
    this.#ready.catch(() => {});
  }

  /** The threads of the registered agents (at least 1), unless `processes` was given. */
  get processes(): number {
    return this.#settings.processes ?? Math.max(1, this.#threads);
  }

  async #start(): Promise<void> {
    try {
      await this.#connections.queue.waitUntilReady();
      await this.#events.start(this.#connections.redis);
      await this.#readAgents();
      if (this.#config.module !== undefined) {
        this.#hash = await moduleHash(this.#refs.module!.specifier);
      }
      try {
        this.#poolSettings = await encodePoolSettings(this.#refs, this.#config);
      } catch (error) {
        this.#break(error);
        throw error;
      }
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
    let items: string;
    try {
      items = encodeItems(chunk);
    } catch (error) {
      chunk.fail(error);
      return;
    }
    const jobId = `${this.#id}-${++this.#seq}`;
    this.#inflight.add(jobId, chunk);
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
        this.#connections.queue.addBulk(
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
            const dropped = this.#inflight.markAdded(
              adds.map((add) => add.opts.jobId),
            );
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
        Promise.all(ids.map((id) => this.#connections.remove(id)))
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
    this.#connections.busy = busy;
  }

  #onEvent(event: QueueEvent): void {
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
        this.#failJob(jobId, jobFailure(event.failedReason, undefined));
        return;
      case "stalled":
        this.#failJob(jobId, crashed(undefined, "its job lock expired"));
    }
  }

  #take(jobId: string): Chunk<Prepared> | undefined {
    const chunk = this.#inflight.take(jobId);
    if (chunk === undefined) return undefined;
    this.#updateBusy();
    return chunk;
  }

  #failJob(jobId: string, error: unknown): void {
    this.#take(jobId)?.fail(error);
  }

  #complete(jobId: string, encoded: unknown): void {
    const chunk = this.#take(jobId);
    if (chunk === undefined) return;
    settleChunk(chunk, encoded, (cause) => this.#break(cause));
  }

  // Every check interval while busy: settle what the events stream lost,
  // fail the chunks whose agent died (active, lock expired), count agents.
  async #check(): Promise<void> {
    if (this.#closed) return;
    if (!this.#busy) return;
    const ids = this.#inflight.added();
    try {
      if (ids.length > 0) {
        const { redis, queue } = this.#connections;
        const states = await readJobStates(redis, queue, ids);
        for (const { id, agent, ...state } of states) {
          if (state.finishedOn) {
            this.#removals.add(id);
            if (state.failedReason) {
              this.#failJob(id, jobFailure(state.failedReason, agent));
            } else this.#complete(id, JSON.parse(state.returnvalue ?? "null"));
          } else if (state.processedOn && !state.locked) {
            this.#removals.add(id);
            this.#failJob(id, crashed(agent, "its job lock expired"));
          }
        }
        if (this.#removals.size > 0) this.#flushSoon();
      }
      await this.#readAgents();
    } catch {
      // Redis unreachable: try again at the next check.
    }
  }

  async #readAgents(): Promise<void> {
    const threads = await countAgentThreads(
      this.#connections.redis,
      this.#settings.cluster,
    );
    const grew = threads > this.#threads;
    this.#threads = threads;
    if (grew && this.#isReady) this.#host.pump();
  }

  withdraw(chunk: Chunk<Prepared>): boolean {
    const jobId = this.#inflight.idOf(chunk);
    if (jobId === undefined) return false;
    const index = this.#adds.findIndex((add) => add.opts.jobId === jobId);
    if (index < 0) return false;
    this.#adds.splice(index, 1);
    this.#take(jobId);
    return true;
  }

  cancel(chunk: Chunk<Prepared>): void {
    const jobId = this.#inflight.idOf(chunk);
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
    const message: ControlMessage = all
      ? { p: this.#id, all: true }
      : { p: this.#id, c: ids };
    this.#pending++;
    this.#updateBusy();
    const done = Promise.all([
      this.#connections.publish(message),
      ...ids.map((id) => this.#connections.remove(id)),
    ]).finally(() => this.#donePending());
    return done;
  }

  #break(cause: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const ids = this.#inflight.clear();
    this.#adds = [];
    this.#stopJobs(ids, true);
    this.#host.broken(cause);
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#updateBusy();
    clearInterval(this.#timer);
    this.#events.stop();
    await this.#connections.close();
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#closing = true;
    this.#updateBusy();
    await this.#ready.catch(() => {});
    while (this.#pending > 0 || this.#removals.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await this.#connections.publish({ p: this.#id, bye: true });
    await this.#close();
  }

  async terminate(): Promise<void> {
    this.#stopped = true;
    this.#closing = true;
    this.#updateBusy();
    const ids = this.#inflight.clear();
    this.#adds = [];
    await this.#ready.catch(() => {});
    await this.#stopJobs(ids, true);
    while (this.#pending > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await this.#close();
  }
}
