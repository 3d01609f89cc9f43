// Picks the adapter for the runtime we run on; imported dynamically so the
// core never loads a runtime-specific module it does not need.
import type { WorkerAdapter } from "../src/worker_adapter.ts";

let detected: Promise<WorkerAdapter> | undefined;

/** The adapter for the current runtime: Deno, Bun, or else Node. */
export function detectAdapter(): Promise<WorkerAdapter> {
  const runtime = globalThis as { Deno?: unknown; Bun?: unknown };
  detected ??= runtime.Deno !== undefined
    ? import("./deno.ts").then((m) => m.denoAdapter)
    : runtime.Bun !== undefined
    ? import("./bun.ts").then((m) => m.bunAdapter)
    : import("./node.ts").then((m) => m.nodeAdapter);
  return detected;
}
