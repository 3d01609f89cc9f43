// Picks the adapter for the runtime we run on (see src/_runtime.ts);
// imported dynamically so the core never loads a runtime-specific module it
// does not need.
import type { WorkerAdapter } from "../src/worker_adapter.ts";
import { runtimeName } from "../src/_runtime.ts";

let detected: Promise<WorkerAdapter> | undefined;

/** The adapter for the current runtime: Deno, Bun, Node. */
export function detectAdapter(): Promise<WorkerAdapter> {
  if (detected) return detected;
  switch (runtimeName()) {
    case "deno":
      detected = import("./deno.ts").then((m) => m.denoAdapter);
      break;
    case "bun":
      detected = import("./bun.ts").then((m) => m.bunAdapter);
      break;
    default:
      detected = import("./node.ts").then((m) => m.nodeAdapter);
  }
  return detected;
}
