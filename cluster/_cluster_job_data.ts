// What a ClusterPool sends with each job: the chunk's items and the pool's
// settings, encoded (see JobData in ./_shared.ts).
import type { Chunk, ExecutorConfig } from "../src/_executor.ts";
import type { Prepared, TaskRef, TaskRefs } from "../src/_task_ref.ts";
import { assertSendable, encode } from "./_codec.ts";
import type { PoolSettings } from "./_shared.ts";

/**
 * A random id for a pool (its jobs' ids start with it).
 *
 * @returns 12 hex digits.
 */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A chunk's items, encoded for its job.
 *
 * @param chunk The chunk.
 * @returns The encoded items.
 * @throws {TypeError} If the chunk has objects to transfer, or items that
 * cannot be sent to another machine.
 */
export function encodeItems(chunk: Chunk<Prepared>): string {
  const transfer = chunk.transfer;
  if (
    typeof transfer === "function" ||
    (Array.isArray(transfer) && transfer.length > 0)
  ) {
    throw new TypeError(
      "Cannot send 'transfer' objects to a cluster: arguments are copied to other machines, never transferred",
    );
  }
  assertSendable(chunk.items, "the task's arguments to the cluster");
  return encode(chunk.items);
}

/**
 * The pool's settings that every job carries: the initializer (by
 * reference), its arguments and `maxTasksPerChild`.
 *
 * @param refs The pool's task references.
 * @param config The pool's configuration.
 * @returns The settings.
 * @throws If the initializer cannot be referenced or its arguments sent.
 */
export async function encodePoolSettings(
  refs: TaskRefs,
  config: ExecutorConfig,
): Promise<PoolSettings> {
  const { initializer, initArgs, maxTasksPerChild } = config;
  const settings: PoolSettings = {};
  if (initializer !== undefined) {
    settings.r = await refs.resolve(initializer) as TaskRef;
    assertSendable(initArgs, "'initArgs' to the cluster");
    settings.a = encode(initArgs);
  }
  if (maxTasksPerChild !== undefined) settings.m = maxTasksPerChild;
  return settings;
}
