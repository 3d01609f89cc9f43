// What a ClusterPool reads back about its jobs: a chunk's outcome as the
// agent encoded it, the state of the jobs in flight, the agents' threads.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Chunk } from "../src/_executor.ts";
import { WorkerCrashedError } from "../src/errors.ts";
import type { Wire } from "../src/_protocol.ts";
import type { Prepared } from "../src/_task_ref.ts";
import { decode, errorFromWire } from "./_codec.ts";
import {
  agentKey,
  agentsKey,
  BROKEN,
  CANCELLED,
  type ChunkOutcome,
  DONE,
  FAILED,
} from "./_shared.ts";

/**
 * The error of a chunk whose agent stopped.
 *
 * @param agent The agent's id, when known.
 * @param how What showed it.
 * @returns A WorkerCrashedError.
 */
export function crashed(
  agent: string | null | undefined,
  how: string,
): WorkerCrashedError {
  return new WorkerCrashedError(
    `Agent ${
      agent ? `'${agent}' ` : ""
    }stopped while running the chunk (${how})`,
  );
}

/**
 * The error of a job BullMQ failed (not a chunk outcome the agent sent).
 *
 * @param reason BullMQ's `failedReason`.
 * @param agent The agent's id, when known.
 * @returns A WorkerCrashedError for an expired lock, else an Error.
 */
export function jobFailure(
  reason: string | undefined,
  agent: string | null | undefined,
): Error {
  return /stalled|started more than/.test(reason ?? "")
    ? crashed(agent, "its job lock expired")
    : new Error(`Cluster job failed: ${reason}`);
}

/**
 * Settles a chunk with the outcome its agent returned.
 *
 * @param chunk The chunk.
 * @param encoded The job's return value (the encoded ChunkOutcome).
 * @param broken Called instead when the agent could not start the pool's
 * workers (the core then fails every chunk, as BrokenPoolError).
 */
export function settleChunk(
  chunk: Chunk<Prepared>,
  encoded: unknown,
  broken: (cause: unknown) => void,
): void {
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
      broken(errorFromWire(outcome[1]));
      return;
    case CANCELLED:
      chunk.fail(crashed(undefined, "the agent dropped it"));
  }
}

/** A job's fields as the check reads them, and whether its lock is held. */
export interface JobState {
  id: string;
  finishedOn: string | null;
  returnvalue: string | null;
  failedReason: string | null;
  processedOn: string | null;
  /** The agent that took it (BullMQ's `pb`). */
  agent: string | null;
  locked: boolean;
}

/**
 * Reads the state of jobs in one round trip.
 *
 * @param redis The connection.
 * @param queue The jobs' queue (for their keys).
 * @param ids The job ids.
 * @returns One state per id, in order.
 */
export async function readJobStates(
  redis: Redis,
  queue: Queue,
  ids: string[],
): Promise<JobState[]> {
  const pipeline = redis.pipeline();
  for (const id of ids) {
    const key = queue.toKey(id);
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
  return ids.map((id, n) => {
    const [finishedOn, returnvalue, failedReason, processedOn, agent] =
      (replies[2 * n]?.[1] ?? []) as (string | null)[];
    const locked = replies[2 * n + 1]?.[1] === 1;
    return {
      id,
      finishedOn,
      returnvalue,
      failedReason,
      processedOn,
      agent,
      locked,
    };
  });
}

/**
 * Counts the threads of a cluster's registered agents, and forgets the
 * agents whose registration expired.
 *
 * @param redis The connection.
 * @param cluster The cluster's name.
 * @returns The sum of the live agents' `processes`.
 */
export async function countAgentThreads(
  redis: Redis,
  cluster: string,
): Promise<number> {
  const ids = await redis.smembers(agentsKey(cluster));
  let threads = 0;
  if (ids.length > 0) {
    const values = await redis.mget(ids.map((id) => agentKey(cluster, id)));
    const gone: string[] = [];
    values.forEach((value, i) => {
      if (value === null) gone.push(ids[i]);
      else threads += Number(JSON.parse(value).processes) || 0;
    });
    if (gone.length > 0) await redis.srem(agentsKey(cluster), ...gone);
  }
  return threads;
}
