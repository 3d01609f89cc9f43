// The items of a chunk that cannot go to a worker: found one by one when the
// whole chunk fails to clone, so that they fail alone and the others go.
import type { Chunk } from "./_executor.ts";
import { cloneError } from "./_protocol.ts";
import type { Prepared } from "./_task_ref.ts";

/** What a clone error of a chunk's items is about. */
export const ARGUMENTS = "the task's arguments to the worker";

/** The objects a chunk's `items` transfer. */
export function transferOf(
  chunk: Chunk<Prepared>,
  items: readonly unknown[],
): object[] | undefined {
  const { transfer } = chunk;
  if (typeof transfer !== "function") return transfer;
  const list: object[] = [];
  for (const item of items) list.push(...transfer(item));
  return list;
}

/** `error` for each of `n` items, by index. */
export function everyItem(n: number, error: unknown): Map<number, unknown> {
  const errors = new Map<number, unknown>();
  for (let i = 0; i < n; i++) errors.set(i, error);
  return errors;
}

/** A chunk less its items that cannot be sent: where each kept item stands, and the others' errors. */
export interface Sendable {
  items: unknown[];
  at: number[];
  errors: Map<number, unknown>;
}

// Finds the items that cannot be cloned, or whose transfer list throws;
// undefined when each item alone can be (the failure was the chunk's).
export function splitUnclonable(
  chunk: Chunk<Prepared>,
  error: unknown,
): Sendable | undefined {
  const split: Sendable = { items: [], at: [], errors: new Map() };
  chunk.items.forEach((item, i) => {
    try {
      if (typeof chunk.transfer === "function") chunk.transfer(item);
      structuredClone(item);
      split.items.push(item);
      split.at.push(i);
    } catch (itemError) {
      split.errors.set(
        i,
        itemError instanceof Error && itemError.name !== "DataCloneError"
          ? itemError
          : cloneError(ARGUMENTS, itemError ?? error),
      );
    }
  });
  return split.errors.size > 0 ? split : undefined;
}
