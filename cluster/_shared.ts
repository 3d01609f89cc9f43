// What a ClusterPool and its agents agree on: Redis key names, job data and
// result layouts, timing defaults, the connection, and the module hash.
import { Redis, type RedisOptions } from "ioredis";
import type { TaskRef } from "../src/_task_ref.ts";
import type { Wire } from "../src/_protocol.ts";

/** BullMQ's key prefix for every cluster: keys are `multipool:<cluster>:...`. */
export const PREFIX = "multipool";

/** How long an agent's job lock lasts without renewal (ms). */
export const LOCK_DURATION = 8_000;
/** How often agents look for stalled jobs, and the pool for lost locks (ms). */
export const CHECK_INTERVAL = 2_000;
/** How often an agent says it is alive; it counts as gone after 3 misses (ms). */
export const HEARTBEAT = 2_000;
/** BullMQ's events stream keeps this many entries (its default, 10,000, loses completions of a slow pool). */
export const EVENTS_MAX_LEN = 200_000;

/** Where Redis is, as ioredis options; other ioredis options pass through. */
export interface RedisConnectionOptions {
  /** Host name or address. Default `127.0.0.1`. */
  host?: string;
  /** Port. Default 6379. */
  port?: number;
  /** ACL user name. */
  username?: string;
  /** Password. */
  password?: string;
  /** Database number. Default 0. */
  db?: number;
  /** Any other ioredis option (`tls`, `family`, ...). */
  [option: string]: unknown;
}

/** A Redis connection: a `redis://` (or `rediss://`) URL or ioredis options. */
export type RedisConnection = string | RedisConnectionOptions;

/** The key of the set of agent ids of a cluster. */
export function agentsKey(cluster: string): string {
  return `${PREFIX}:${cluster}:mp:agents`;
}

/** The key (with a TTL) that says an agent is alive, with its description. */
export function agentKey(cluster: string, id: string): string {
  return `${PREFIX}:${cluster}:mp:agent:${id}`;
}

/** The pub/sub channel on which pools tell agents to stop work. */
export function controlChannel(cluster: string): string {
  return `${PREFIX}:${cluster}:mp:control`;
}

/** What an agent publishes about itself. */
export interface AgentInfo {
  id: string;
  processes: number;
  runtime: string;
  allowSource: boolean;
  module?: string;
  hash?: string;
}

/** A pool's settings, carried by each of its jobs. */
export interface PoolSettings {
  /** The initializer. */
  r?: TaskRef;
  /** The initializer's arguments, encoded. */
  a?: string;
  /** maxTasksPerChild. */
  m?: number;
}

/** The data of one chunk's BullMQ job. */
export interface JobData {
  /** The pool's id. */
  p: string;
  /** The task. */
  t: TaskRef;
  /** Call as fn(...item). */
  s: boolean;
  /** The items, encoded. */
  i: string;
  /** The sha-256 of the pool's task module, or null without one. */
  h: string | null;
  /** The pool's settings. */
  c: PoolSettings;
}

/** Result kinds, first element of an encoded result. */
export const DONE = 0;
/** Every item failed with one error: `[FAILED, wire]`. */
export const FAILED = 1;
/** The initializer (or module) failed on the agent: `[BROKEN, wire]`. */
export const BROKEN = 2;
/** The agent dropped the chunk: its pool cancelled or terminated it. */
export const CANCELLED = 3;

/** A chunk's outcome as the agent encodes it. */
export type ChunkOutcome =
  | [typeof DONE, unknown[], unknown[]?]
  | [typeof FAILED, Wire]
  | [typeof BROKEN, Wire]
  | [typeof CANCELLED];

/** A control message on the control channel. */
export interface ControlMessage {
  /** The pool. */
  p: string;
  /** Job ids to cancel. */
  c?: string[];
  /** The pool terminated: drop all its work. */
  all?: boolean;
  /** The pool is done: release its workers. */
  bye?: boolean;
}

/** Opens an ioredis connection as BullMQ wants it. */
export function connect(redis: RedisConnection, name?: string): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    ...(name ? { connectionName: name } : {}),
  };
  return typeof redis === "string"
    ? new Redis(redis, options)
    : new Redis({ ...redis as RedisOptions, ...options });
}

/** Throws a `TypeError` unless `name` can name a cluster (a BullMQ queue). */
export function checkClusterName(action: string, name: unknown): string {
  if (typeof name !== "string" || name === "" || name.includes(":")) {
    throw new TypeError(
      `Cannot ${action} as 'cluster' must be a non-empty string without ':': current value is ${
        String(name)
      }`,
    );
  }
  return name;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/**
 * The sha-256 of a task module's content: a `file:` URL is read from disk,
 * an `http(s):` URL fetched; `null` for a specifier it cannot read.
 */
export async function moduleHash(specifier: string): Promise<string | null> {
  let url = specifier;
  if (!/^[a-z][a-z0-9+.-]+:/i.test(url)) {
    try {
      url = import.meta.resolve(url);
    } catch {
      return null;
    }
  }
  if (url.startsWith("file:")) {
    const { readFile } = await import("node:fs/promises");
    return sha256(await readFile(new URL(url)));
  }
  if (/^https?:/.test(url)) {
    const response = await fetch(url);
    if (!response.ok) {
      throw new Error(`Cannot read task module '${url}': ${response.status}`);
    }
    return sha256(new Uint8Array(await response.arrayBuffer()));
  }
  return null;
}
