// Shared helpers of the build, test and check scripts. They use only `node:*`
// APIs so that they run under Deno (`deno run -A`) and Node 24 alike.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const ROOT: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "..",
);

/** The name of the npm package. */
export const NPM_NAME = "multipool";

/** Where the npm package is built. */
export const NPM_DIR: string = join(ROOT, "npm");

/** Scratch space of the package tests (git-ignored, never shipped). */
export const NPM_TEST_DIR: string = join(ROOT, ".npm_test");

/** A path relative to the root, with forward slashes, for messages. */
export function rel(path: string): string {
  return relative(ROOT, path).split(sep).join("/") || ".";
}

/**
 * The path of a tool installed in the root's `node_modules/.bin` (use
 * {@linkcode findNode} and {@linkcode tscOf} for node and tsc, whose names
 * several devDependencies share).
 */
export function bin(name: string): string {
  const path = join(ROOT, "node_modules", ".bin", name);
  if (!existsSync(path)) {
    throw new Error(`Cannot find '${rel(path)}': run 'npm install' first`);
  }
  return path;
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Capture stdout and return it instead of printing it. */
  capture?: boolean;
  /** Kill the command after this many milliseconds. */
  timeout?: number;
}

/** What {@linkcode run} returns. */
export interface RunResult {
  code: number;
  stdout: string;
}

function mergeEnv(
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...extra })) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** Runs a command with the output shown (or captured), and returns its exit code. */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): RunResult {
  const spawnOptions: SpawnSyncOptions = {
    cwd: options.cwd ?? ROOT,
    env: mergeEnv(options.env),
    stdio: options.capture ? ["ignore", "pipe", "inherit"] : "inherit",
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeout,
    killSignal: "SIGKILL",
  };
  const result = spawnSync(command, [...args], spawnOptions);
  if (result.error) {
    console.error(`Cannot run '${command}': ${result.error.message}`);
  }
  const code = result.status ?? (result.signal ? 128 : 1);
  return { code, stdout: String(result.stdout ?? "") };
}

/** Like {@linkcode run}, but throws when the command fails. */
export function mustRun(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): string {
  const { code, stdout } = run(command, args, options);
  if (code !== 0) {
    throw new Error(
      `Command failed with exit code ${code}: ${[command, ...args].join(" ")}`,
    );
  }
  return stdout;
}

/** Every file under `dir` (recursively), as absolute paths, sorted. */
export function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

/** Reads and parses a JSON file. */
export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** The major version of a Node.js binary, or `undefined` when it does not run. */
export function nodeMajor(path: string): number | undefined {
  if (!path || !existsSync(path)) return undefined;
  const { code, stdout } = run(path, ["--version"], { capture: true });
  const match = /^v(\d+)\./.exec(stdout.trim());
  return code === 0 && match ? Number(match[1]) : undefined;
}

/**
 * The Node.js lines the package supports and tests: each is a devDependency
 * (`node`, or an alias such as `"node22": "npm:node@^22"`) whose binary is
 * `node_modules/<package>/bin/node`. `npm ci` installs them all; the first is
 * the one `npx node` runs (see scripts/link_bins.mjs). The npm package's
 * `engines` is built from these ranges (scripts/build_npm.ts).
 */
export const NODE_LINES: readonly { major: number; pkg: string }[] = [
  { major: 22, pkg: "node22" },
  { major: 24, pkg: "node" },
  { major: 26, pkg: "node26" },
];

/** The path of a file inside an installed devDependency, checked to exist. */
export function packageFile(pkg: string, file: string): string {
  const path = join(ROOT, "node_modules", pkg, file);
  if (!existsSync(path)) {
    throw new Error(
      `Cannot find '${rel(path)}': run 'npm ci' (or 'npm install') first`,
    );
  }
  return path;
}

/**
 * The Node.js binary of one supported line, from its devDependency; throws
 * when it is missing or is another major version.
 */
export function findNode(major: number): string {
  const line = NODE_LINES.find((l) => l.major === major);
  if (!line) {
    throw new Error(
      `Cannot find Node.js ${major} as it is not a supported line: ` +
        `supported are ${NODE_LINES.map((l) => l.major).join(", ")}`,
    );
  }
  const path = packageFile(line.pkg, "bin/node");
  const found = nodeMajor(path);
  if (found !== major) {
    throw new Error(
      `Expected Node.js ${major} at '${rel(path)}': found ${
        found ?? "nothing that runs"
      }`,
    );
  }
  return path;
}

/** The Node.js 24 binary (the `node` devDependency): `findNode(24)`. */
export function findNode24(): string {
  return findNode(24);
}

/**
 * The TypeScript compiler of a devDependency: `typescript` (the newest, which
 * builds the package) or an alias such as `typescript52` (the oldest
 * supported, for the consumer check of scripts/smoke_pack.ts). Found by
 * package, not through `node_modules/.bin`, where aliases share one `tsc`.
 */
export function tscOf(pkg = "typescript"): string {
  return packageFile(pkg, "bin/tsc");
}

/** The deno.json of the repository. */
export interface DenoConfig {
  name: string;
  version: string;
  license?: string;
  exports: string | Record<string, string>;
  compilerOptions?: Record<string, unknown>;
}

/** Reads deno.json. */
export function readDenoConfig(): DenoConfig {
  const config = readJson(join(ROOT, "deno.json")) as unknown as DenoConfig;
  if (typeof config.name !== "string" || typeof config.version !== "string") {
    throw new Error("Cannot read deno.json as 'name' or 'version' is missing");
  }
  return config;
}

/** deno.json's `exports` as a map from subpath to source file (`./mod.ts`). */
export function denoExports(config: DenoConfig): Record<string, string> {
  const exports = typeof config.exports === "string"
    ? { ".": config.exports }
    : config.exports;
  if (!exports || typeof exports !== "object" || !exports["."]) {
    throw new Error("Cannot read deno.json as 'exports' has no '.' entry");
  }
  return exports;
}

/** The built file for a source module: `./src/x.ts` becomes `./esm/src/x.js`. */
export function builtPath(source: string, ext: ".js" | ".d.ts"): string {
  if (!/^\.\/.+\.ts$/.test(source)) {
    throw new Error(
      `Cannot map export '${source}' as it is not a relative .ts file`,
    );
  }
  return "./esm/" + source.slice(2, -3) + ext;
}

/** The npm `exports` that match deno.json's: types first, then the ESM file. */
export function npmExports(
  exports: Record<string, string>,
): Record<string, { types: string; default: string }> {
  const out: Record<string, { types: string; default: string }> = {};
  for (const [subpath, source] of Object.entries(exports)) {
    out[subpath] = {
      types: builtPath(source, ".d.ts"),
      default: builtPath(source, ".js"),
    };
  }
  return out;
}

/** Prints a section header. */
export function header(text: string): void {
  console.log(`\n=== ${text} ===`);
}

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\2/g;

/**
 * Rewrites the module specifiers of `import`/`export ... from`, side-effect
 * imports and `import("...")` (in code, type positions and comments alike).
 */
export function rewriteSpecifiers(
  code: string,
  rewrite: (specifier: string) => string,
): string {
  return code.replace(
    SPECIFIER,
    (_all, lead: string, quote: string, specifier: string) =>
      `${lead}${quote}${rewrite(specifier)}${quote}`,
  );
}

const STATIC_IMPORT =
  /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+[\w$]+))?)\s*from\s*(["'])([^"'\n]+)\1/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s*(["'])([^"'\n]+)\1/gm;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g;

/**
 * The module specifiers that `code` (JavaScript or .d.ts, comments removed)
 * imports: static imports and re-exports at the start of a line, side-effect
 * imports, and `import("...")` with a literal.
 */
export function specifiers(code: string): string[] {
  return [STATIC_IMPORT, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT].flatMap((re) =>
    [...code.matchAll(re)].map((match) => match[2])
  );
}
