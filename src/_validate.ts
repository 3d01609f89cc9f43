// Argument checks shared by the pools, with std-style messages.
import type { Task } from "./types.ts";

/** A value as option errors show it: strings quoted, functions by name, arrays as arrays. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "function") {
    return `function ${value.name || "(anonymous)"}`;
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Throws unless `value` is a positive integer (or `undefined` when optional). */
export function positiveInteger(
  action: string,
  name: string,
  value: unknown,
): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action} as '${name}' must be a positive integer: current value is ${
        show(value)
      }`,
    );
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot ${action} as '${name}' must be a positive integer: current value is ${
        show(value)
      }`,
    );
  }
  return value;
}

/** Throws unless `task` is a function or a non-empty string. */
export function task(action: string, name: string, value: unknown): Task {
  if (typeof value === "function") return value as Task;
  if (typeof value === "string" && value !== "") return value;
  throw new TypeError(
    `Cannot ${action} as '${name}' must be a function or the name of an export of 'module': current value is ${
      show(value)
    }`,
  );
}

/** Throws unless `value` is an Iterable or AsyncIterable. */
export function iterable(
  action: string,
  value: unknown,
): Iterable<unknown> | AsyncIterable<unknown> {
  const object = value as Record<symbol, unknown> | null | undefined;
  if (
    object != null &&
    (typeof object[Symbol.iterator] === "function" ||
      typeof object[Symbol.asyncIterator] === "function")
  ) {
    return value as Iterable<unknown> | AsyncIterable<unknown>;
  }
  throw new TypeError(
    `Cannot ${action} as 'iterable' must be an Iterable or AsyncIterable: current value is ${
      show(value)
    }`,
  );
}

/** Throws unless `value` is an array of arguments (or `undefined`). */
export function argList(
  action: string,
  name: string,
  value: unknown,
): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  throw new TypeError(
    `Cannot ${action} as '${name}' must be an array: current value is ${
      show(value)
    }`,
  );
}

/** Throws a `TypeError`: `name` must be `what`. */
export function fail(
  action: string,
  name: string,
  what: string,
  value: unknown,
): never {
  throw new TypeError(
    `Cannot ${action} as '${name}' must be ${what}: current value is ${
      show(value)
    }`,
  );
}

/** Throws unless `value` is a function or `undefined`. */
export function optionalFunction(
  action: string,
  name: string,
  value: unknown,
): void {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(
      `Cannot ${action} as '${name}' must be a function: current value is ${
        show(value)
      }`,
    );
  }
}

/** Throws unless `value` is an AbortSignal (or `undefined`). */
export function signal(
  action: string,
  value: unknown,
): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value === "object" && value !== null &&
    typeof (value as AbortSignal).addEventListener === "function" &&
    "aborted" in value
  ) {
    return value as AbortSignal;
  }
  throw new TypeError(
    `Cannot ${action} as 'signal' must be an AbortSignal: current value is ${
      show(value)
    }`,
  );
}

/** Throws unless `value` is a non-negative number (or `undefined`) usable as a timeout. */
export function timeout(action: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(
      `Cannot ${action} as 'timeout' must be a number of milliseconds: current value is ${
        show(value)
      }`,
    );
  }
  return Math.max(0, value);
}

/** Throws unless `value` is a non-negative number of milliseconds, `Infinity` included. */
export function milliseconds(
  action: string,
  name: string,
  value: unknown,
): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action} as '${name}' must be a non-negative number of milliseconds: current value is ${
        show(value)
      }`,
    );
  }
  if (Number.isNaN(value) || value < 0) {
    throw new RangeError(
      `Cannot ${action} as '${name}' must be a non-negative number of milliseconds: current value is ${
        show(value)
      }`,
    );
  }
  return value;
}

/** Throws unless `value` is `{ maxOldGenerationSizeMb?, maxYoungGenerationSizeMb? }` with positive numbers. */
export function resourceLimits(
  action: string,
  value: unknown,
): { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `Cannot ${action} as 'resourceLimits' must be an object: current value is ${
        show(value)
      }`,
    );
  }
  const limits = value as Record<string, unknown>;
  for (const key of ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb"]) {
    const limit = limits[key];
    if (limit === undefined) continue;
    if (typeof limit !== "number") {
      throw new TypeError(
        `Cannot ${action} as 'resourceLimits.${key}' must be a positive number: current value is ${
          show(limit)
        }`,
      );
    }
    if (!(limit > 0) || limit === Infinity) {
      throw new RangeError(
        `Cannot ${action} as 'resourceLimits.${key}' must be a positive number: current value is ${
          show(limit)
        }`,
      );
    }
  }
  return limits as {
    maxOldGenerationSizeMb?: number;
    maxYoungGenerationSizeMb?: number;
  };
}
