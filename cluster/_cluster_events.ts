// The events stream of a ClusterPool's queue: BullMQ writes a "completed",
// "failed" or "stalled" entry per job to a Redis stream; this reads it with
// XREAD on a connection of its own (so an idle pool can unref it), from the
// newest entry at start on.
import type { Redis } from "ioredis";

/** One entry of BullMQ's events stream, as field → value. */
export type QueueEvent = Record<string, string>;

function fieldsOf(flat: string[]): QueueEvent {
  const fields: QueueEvent = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return fields;
}

/** Reads a queue's events stream until stopped; hands each entry to `onEvent`. */
export class EventsReader {
  #reader: Redis;
  #key: string;
  #onEvent: (event: QueueEvent) => void;
  #lastEvent = "0-0";
  #stopped = false;

  /**
   * @param reader The connection to block on (this reader's alone).
   * @param key The stream's key (`queue.keys.events`).
   * @param onEvent Called with each entry; what it throws is ignored.
   */
  constructor(
    reader: Redis,
    key: string,
    onEvent: (event: QueueEvent) => void,
  ) {
    this.#reader = reader;
    this.#key = key;
    this.#onEvent = onEvent;
  }

  /**
   * Skips the entries already in the stream, then reads on in the background.
   *
   * @param redis A connection to ask for the newest entry on.
   */
  async start(redis: Redis): Promise<void> {
    const last = await redis.xrevrange(this.#key, "+", "-", "COUNT", 1);
    if (last.length > 0) this.#lastEvent = last[0][0];
    this.#read();
  }

  /** Stops reading (then disconnect the reader to end a blocked read). */
  stop(): void {
    this.#stopped = true;
  }

  async #read(): Promise<void> {
    while (!this.#stopped) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = await this.#reader.xread(
          "COUNT",
          1000,
          "BLOCK",
          5000,
          "STREAMS",
          this.#key,
          this.#lastEvent,
        ) as [string, [string, string[]][]][] | null;
      } catch {
        if (this.#stopped) return;
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
}
