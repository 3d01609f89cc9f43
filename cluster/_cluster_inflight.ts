// The jobs a ClusterPool has in flight: each job's chunk, the job of each
// chunk, and whether the job's add reached Redis.
import type { Chunk } from "../src/_executor.ts";
import type { Prepared } from "../src/_task_ref.ts";

interface InFlight {
  chunk: Chunk<Prepared>;
  /** The job is in Redis (its add resolved). */
  added: boolean;
}

/** Job id ↔ chunk, for the jobs in flight. */
export class InFlightJobs {
  #jobs = new Map<string, InFlight>();
  #ids = new Map<Chunk<Prepared>, string>();

  /** How many jobs are in flight. */
  get size(): number {
    return this.#jobs.size;
  }

  /**
   * Records a job about to be added.
   *
   * @param jobId The job's id.
   * @param chunk Its chunk.
   */
  add(jobId: string, chunk: Chunk<Prepared>): void {
    this.#jobs.set(jobId, { chunk, added: false });
    this.#ids.set(chunk, jobId);
  }

  /**
   * The job of a chunk in flight.
   *
   * @param chunk The chunk.
   * @returns Its job's id, or undefined.
   */
  idOf(chunk: Chunk<Prepared>): string | undefined {
    return this.#ids.get(chunk);
  }

  /**
   * Forgets a job.
   *
   * @param jobId The job's id.
   * @returns Its chunk, or undefined if it was not in flight.
   */
  take(jobId: string): Chunk<Prepared> | undefined {
    const entry = this.#jobs.get(jobId);
    if (entry === undefined) return undefined;
    this.#jobs.delete(jobId);
    this.#ids.delete(entry.chunk);
    return entry.chunk;
  }

  /**
   * Marks jobs whose add resolved.
   *
   * @param jobIds The jobs added.
   * @returns The ones no longer in flight (cancelled while being added).
   */
  markAdded(jobIds: string[]): string[] {
    const dropped: string[] = [];
    for (const jobId of jobIds) {
      const entry = this.#jobs.get(jobId);
      if (entry) entry.added = true;
      else dropped.push(jobId);
    }
    return dropped;
  }

  /** @returns The ids of the jobs in flight that are in Redis. */
  added(): string[] {
    return [...this.#jobs].filter(([, e]) => e.added).map(([id]) => id);
  }

  /** Forgets every job. @returns Their ids. */
  clear(): string[] {
    const ids = [...this.#jobs.keys()];
    this.#jobs.clear();
    this.#ids.clear();
    return ids;
  }
}
