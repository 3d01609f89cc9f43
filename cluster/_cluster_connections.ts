// A ClusterPool's connections to Redis: one for commands and the BullMQ
// queue, one for blocking reads of the events stream. While the pool has
// nothing in flight they do not keep the process alive (unref).
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import {
  connect,
  controlChannel,
  type ControlMessage,
  EVENTS_MAX_LEN,
  PREFIX,
  type RedisConnection,
} from "./_shared.ts";

/** The connections and the queue of one ClusterPool. */
export class ClusterConnections {
  /** Commands, and the queue's connection. */
  readonly redis: Redis;
  /** Blocking reads of the events stream (see ./_cluster_events.ts). */
  readonly reader: Redis;
  /** The cluster's BullMQ queue. */
  readonly queue: Queue;
  #cluster: string;
  #busy = true;

  /**
   * Connects (in the background) and opens the cluster's queue.
   *
   * @param redis The Redis server.
   * @param cluster The cluster's name.
   */
  constructor(redis: RedisConnection, cluster: string) {
    this.#cluster = cluster;
    this.redis = connect(redis);
    this.reader = connect(redis);
    for (const client of [this.redis, this.reader]) {
      client.on("connect", () => this.#applyRef(client));
      client.on("error", () => {});
    }
    this.queue = new Queue(cluster, {
      connection: this.redis,
      prefix: PREFIX,
      streams: { events: { maxLen: EVENTS_MAX_LEN } },
    });
    this.queue.on("error", () => {});
  }

  /** Whether the connections keep the process alive (initially true). */
  set busy(busy: boolean) {
    this.#busy = busy;
    this.#applyRef(this.redis);
    this.#applyRef(this.reader);
  }

  #applyRef(client: Redis): void {
    const stream = client.stream as
      | { ref?: () => void; unref?: () => void }
      | undefined;
    if (this.#busy) stream?.ref?.();
    else stream?.unref?.();
  }

  /**
   * Tells the cluster's agents (never fails).
   *
   * @param message The control message.
   * @returns A promise that settles once it is published (or failed to be).
   */
  publish(message: ControlMessage): Promise<unknown> {
    return this.redis.publish(
      controlChannel(this.#cluster),
      JSON.stringify(message),
    ).catch(() => {});
  }

  /**
   * Removes a job that is not running (never fails).
   *
   * @param id The job's id.
   * @returns A promise that settles once it is done.
   */
  remove(id: string): Promise<unknown> {
    return this.queue.remove(id).catch(() => 0);
  }

  /** Disconnects the reader, closes the queue and quits. */
  async close(): Promise<void> {
    this.reader.disconnect();
    await this.queue.close().catch(() => {});
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
