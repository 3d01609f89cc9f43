// Picks the adapter for the runtime we run on (see src/_runtime.ts);
// imported dynamically so the core never loads a runtime-specific module it
// does not need.
import type { WorkerAdapter } from "../src/worker_adapter.ts";
import { runtimeName } from "../src/_runtime.ts";

let detected: Promise<WorkerAdapter> | undefined;

/**
 * The adapter for the current runtime: worker threads on Deno and Node, Web
 * Workers on Bun and in browsers.
 */
export function detectAdapter(): Promise<WorkerAdapter> {
  if (detected) return detected;
  switch (runtimeName()) {
    case "deno":
      detected = import("./deno.ts").then((m) => m.denoAdapter);
      break;
    case "bun":
      // Bun's Web Workers pass the whole suite, report exits, can be
      // unreferenced, and start about 3x faster than its worker_threads.
      detected = import("./web.ts").then((m) => m.webAdapter);
      break;
    case "node":
      detected = import("./node.ts").then((m) => m.nodeAdapter);
      break;
    default:
      detected = import("./web.ts").then((m) => m.webAdapter);
  }
  return detected;
}
