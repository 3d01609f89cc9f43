// What travels through Redis between a ClusterPool and its agents: msgpackr
// with structured-clone options (cycles, Map, Set, Date, BigInt, typed
// arrays round-trip between Node, Bun and Deno; `node:v8` does not), as
// base64 so it fits in BullMQ's JSON job data and return values.
import { Packr } from "msgpackr";
import {
  BrokenPoolError,
  PoolClosedError,
  PoolTerminatedError,
  TimeoutError,
  WorkerCrashedError,
} from "../src/errors.ts";
import { fromWire, toWire, type Wire } from "../src/_protocol.ts";
import { type ChunkOutcome, DONE, FAILED } from "./_shared.ts";

const packr = new Packr({
  structuredClone: true,
  moreTypes: true,
  useBigIntExtension: true,
  mapsAsObjects: false,
  variableMapSize: true,
});

/** Bytes as base64, on every runtime. */
function toBase64(bytes: Uint8Array): string {
  const { Buffer } = globalThis as unknown as {
    Buffer: { from(b: ArrayBufferView): { toString(enc: string): string } };
  };
  return Buffer.from(bytes).toString("base64");
}

function fromBase64(text: string): Uint8Array {
  const { Buffer } = globalThis as unknown as {
    Buffer: { from(s: string, enc: string): Uint8Array };
  };
  return Buffer.from(text, "base64");
}

/** Encodes a value for Redis (base64 of msgpackr bytes). */
export function encode(value: unknown): string {
  return toBase64(packr.pack(value));
}

/** Decodes what {@linkcode encode} made. */
export function decode(text: string): unknown {
  return packr.unpack(fromBase64(text));
}

/**
 * Throws a `DataCloneError` if `value` holds what cannot leave this machine
 * as structured clone would copy it: functions, symbols, SharedArrayBuffer
 * (shared memory does not reach another machine), or typed arrays over one.
 * msgpackr would silently drop or copy them.
 */
export function assertSendable(value: unknown, what: string): void {
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    const type = typeof v;
    if (type === "function" || type === "symbol") {
      throw refusal(what, `a ${type} cannot be cloned`);
    }
    if (v === null || type !== "object") return;
    const object = v as object;
    if (seen.has(object)) return;
    seen.add(object);
    if (
      typeof SharedArrayBuffer === "function" &&
      (object instanceof SharedArrayBuffer ||
        (ArrayBuffer.isView(object) &&
          object.buffer instanceof SharedArrayBuffer))
    ) {
      throw refusal(
        what,
        "a SharedArrayBuffer cannot be shared with another machine",
      );
    }
    if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) return;
    if (object instanceof Map) {
      for (const [key, item] of object) {
        visit(key);
        visit(item);
      }
      return;
    }
    if (object instanceof Set) {
      for (const item of object) visit(item);
      return;
    }
    if (Array.isArray(object)) {
      for (const item of object) visit(item);
      return;
    }
    if (object instanceof Date || object instanceof RegExp) return;
    for (const key of Object.keys(object)) {
      visit((object as Record<string, unknown>)[key]);
    }
  };
  visit(value);
}

function refusal(what: string, why: string): DOMException {
  return new DOMException(`Cannot send ${what}: ${why}`, "DataCloneError");
}

// deno-lint-ignore no-explicit-any
const OURS: Record<string, new (...args: any[]) => Error> = {
  BrokenPoolError,
  PoolClosedError,
  PoolTerminatedError,
  TimeoutError,
  WorkerCrashedError,
};

/** `fromWire`, with multipool's own errors rebuilt as their classes. */
export function errorFromWire(wire: Wire): unknown {
  const error = fromWire(wire);
  if (error instanceof Error && Object.hasOwn(OURS, error.name)) {
    Object.setPrototypeOf(error, OURS[error.name].prototype);
  }
  return error;
}

/**
 * A chunk's outcome as an agent returns it: when some values cannot be sent,
 * only their items fail.
 *
 * @param outcome The outcome.
 * @returns The encoded outcome.
 */
export function encodeOutcome(outcome: ChunkOutcome): string {
  try {
    assertSendable(outcome, "the task's results from the cluster");
    return encode(outcome);
  } catch (error) {
    if (outcome[0] !== DONE) {
      return encode([FAILED, toWire(error)]);
    }
    // Fail only the items whose values cannot be sent.
    const [, values, flat = []] = outcome;
    const errors = [...flat];
    const failed = new Set<number>();
    for (let i = 0; i < flat.length; i += 2) failed.add(flat[i] as number);
    const sent = values.map((value, i) => {
      if (failed.has(i)) return undefined;
      try {
        assertSendable(value, "the task's result from the cluster");
        encode(value);
        return value;
      } catch (error) {
        errors.push(i, toWire(error));
        return undefined;
      }
    });
    return encode([DONE, sent, errors]);
  }
}
