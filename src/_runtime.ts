// What the runtime we run on offers, found by feature detection in this one
// module (no static runtime import): which runtime, its CPU count, the base
// URL relative module paths resolve against, whether shared memory works.

interface Globals {
  Deno?: { cwd(): string; version?: unknown };
  Bun?: unknown;
  process?: {
    versions?: { node?: string };
    cwd?(): string;
    getBuiltinModule?: (
      id: string,
    ) => { availableParallelism?: () => number } | undefined;
  };
  navigator?: { hardwareConcurrency?: number };
  location?: { href: string };
  crossOriginIsolated?: boolean;
  document?: unknown;
  WorkerGlobalScope?: unknown;
}

const globals = globalThis as Globals;

/** The runtimes multipool tells apart. */
export type RuntimeName = "deno" | "bun" | "node" | "browser";

/**
 * The runtime we run on: Deno and Bun by their globals, Node by
 * `process.versions.node`, anything else (a page or a Web Worker in a
 * browser) is `"browser"`.
 */
export function runtimeName(): RuntimeName {
  if (globals.Deno !== undefined) return "deno";
  if (globals.Bun !== undefined) return "bun";
  if (typeof globals.process?.versions?.node === "string") return "node";
  return "browser";
}

/** Whether `node:` built-in modules can be imported (Deno, Bun, Node). */
export function hasNodeBuiltins(): boolean {
  return runtimeName() !== "browser";
}

/** The machine's logical CPU count. */
export function cpuCount(): number {
  const count = globals.navigator?.hardwareConcurrency ??
    globals.process?.getBuiltinModule?.("node:os")?.availableParallelism?.();
  return typeof count === "number" && count >= 1 ? count : 1;
}

/**
 * The URL a relative module path resolves against: the working directory
 * on Deno, Bun and Node, the page (or worker script) in a browser.
 */
export function baseUrl(): string {
  const cwd = globals.Deno?.cwd() ?? globals.process?.cwd?.();
  if (typeof cwd === "string") {
    return new URL(cwd.endsWith("/") ? cwd : `${cwd}/`, "file:///").href;
  }
  return globals.location?.href ?? "file:///";
}

/**
 * Whether `SharedArrayBuffer` can be shared with workers: it exists, and a
 * page is cross-origin isolated (elsewhere `crossOriginIsolated` is absent).
 */
export function sharedMemory(): boolean {
  return typeof SharedArrayBuffer === "function" &&
    typeof Atomics === "object" && globals.crossOriginIsolated !== false;
}
