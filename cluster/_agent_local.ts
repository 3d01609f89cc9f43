// What an Agent keeps per ClusterPool it serves: the pool's own executor
// (the very WorkerExecutor `Pool` uses, with the pool's initializer and
// maxTasksPerChild), its chunks waiting and running, and its tasks.
import { detectAdapter } from "../adapters/_detect.ts";
import type { Chunk, ExecutorHost } from "../src/_executor.ts";
import { toWire } from "../src/_protocol.ts";
import {
  globalFunction,
  type Prepared,
  type TaskRef,
} from "../src/_task_ref.ts";
import type { Task } from "../src/types.ts";
import { WorkerExecutor } from "../src/_worker_executor.ts";
import { decode } from "./_codec.ts";
import { BROKEN, type ChunkOutcome, type JobData } from "./_shared.ts";

/** A chunk of a job, answered with its outcome. */
export type AgentChunk = Chunk<Prepared> & {
  jobId: string;
  resolve(outcome: ChunkOutcome): void;
};

/** One pool's executor on this agent and its chunks. */
export interface Local {
  executor: WorkerExecutor;
  ready: Promise<unknown>;
  waiting: AgentChunk[];
  running: Set<AgentChunk>;
  prepared: Map<string, Prepared>;
  broken?: { cause: unknown };
}

/** What {@linkcode makeLocal} needs of the agent. */
export interface LocalSettings {
  /** The agent's worker threads. */
  processes: number;
  /** The agent's task module. */
  specifier: string | undefined;
  /** Whether the agent runs tasks sent as source text. */
  allowSource: boolean;
  /** The agent's id, for error messages. */
  agentId: string;
}

/**
 * The error of a task sent as source text to an agent that refuses them.
 *
 * @param name The task's name.
 * @param agentId The agent's id.
 * @returns A TypeError.
 */
export function sourceRefused(
  name: string | undefined,
  agentId: string,
): TypeError {
  return new TypeError(
    `Cannot run task '${
      name ?? "(anonymous)"
    }' sent as source text as agent '${agentId}' runs without --allow-source (anyone who can write to Redis could otherwise run code on it): export it from the task module and pass it by reference, or start the agents with --allow-source`,
  );
}

/**
 * The pool's own executor on this agent, made on its first chunk.
 *
 * @param data The first chunk's job data (it carries the pool's settings).
 * @param agent The agent's settings.
 * @returns The pool's Local.
 * @throws If the initializer is source text the agent refuses.
 */
export function makeLocal(data: JobData, agent: LocalSettings): Local {
  const settings = data.c;
  let initializer: Task | undefined;
  if (settings.r !== undefined) initializer = initializerOf(settings.r, agent);
  let local: Local | undefined = undefined;
  const host: ExecutorHost = {
    pump: () => pump(local!),
    broken: (cause) => {
      local!.broken = { cause };
      for (const chunk of [...local!.running, ...local!.waiting]) {
        chunk.resolve([BROKEN, toWire(cause)]);
      }
      local!.waiting = [];
    },
  };
  const executor = new WorkerExecutor(host, {
    processes: agent.processes,
    initializer,
    initArgs: settings.a === undefined ? [] : decode(settings.a) as unknown[],
    maxTasksPerChild: settings.m,
    module: agent.specifier,
  }, detectAdapter());
  local = {
    executor,
    // The executor is ready once its adapter is loaded (prepare waits for it).
    ready: Promise.resolve(executor.prepare(Math.abs)),
    waiting: [],
    running: new Set(),
    prepared: new Map(),
  };
  return local;
}

function initializerOf(ref: TaskRef, agent: LocalSettings): Task {
  if ("export" in ref) return ref.export;
  if ("global" in ref) return globalFunction(ref.global);
  if (!agent.allowSource) throw sourceRefused(ref.name, agent.agentId);
  return (0, eval)(`(${ref.source}\n)`);
}

/**
 * The executor's form of a task, one per distinct reference.
 *
 * @param local The pool's Local.
 * @param ref The task's reference.
 * @returns The prepared task.
 */
export function preparedTask(local: Local, ref: TaskRef): Prepared {
  const key = JSON.stringify(ref);
  let prepared = local.prepared.get(key);
  if (prepared === undefined) {
    prepared = { id: 1_000_000 + local.prepared.size, ref };
    local.prepared.set(key, prepared);
  }
  return prepared;
}

/**
 * Runs waiting chunks while the executor has room.
 *
 * @param local The pool's Local.
 */
export function pump(local: Local): void {
  while (
    local.waiting.length > 0 && !local.broken &&
    local.executor.hasCapacity()
  ) {
    const chunk = local.waiting.shift()!;
    local.running.add(chunk);
    try {
      local.executor.run(chunk);
    } catch (error) {
      chunk.fail(error);
    }
  }
}
