// Packs npm/ with `npm pack`, checks what the tarball holds, installs it into a
// scratch project and runs a ThreadPool and a Pool from
// `import { Pool, ThreadPool } from "multipool"` on every supported Node line
// (22, 24, 26), Bun and Deno; type checks TypeScript consumers against the
// shipped .d.ts with the oldest supported TypeScript (5.2, devDependency
// `typescript52`) and the newest (`typescript`): with the DOM lib, with
// @types/node only, and with neither. Every check is required: a runtime or
// compiler that is not installed fails the run (`npm ci` installs them all).
//
//   deno run -A scripts/smoke_pack.ts [--keep]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  bin,
  findNode,
  header,
  mustRun,
  NODE_LINES,
  NPM_DIR,
  NPM_NAME,
  readJson,
  ROOT,
  run,
  tscOf,
} from "./_tools.ts";

/** Files the tarball must hold besides esm/. */
const TOP_FILES = ["package.json", "README.md", "LICENSE", "CHANGELOG.md"];

/** What the tarball may hold, besides {@linkcode TOP_FILES}. */
const ALLOWED = /^esm\/.+(?<!_test)(?:\.js|\.d\.ts)$/;

const SMOKE_JS = `import { Pool, ThreadPool } from "multipool";
import assert from "node:assert/strict";

const runtime = typeof Deno !== "undefined"
  ? "deno " + Deno.version.deno
  : typeof Bun !== "undefined"
  ? "bun " + Bun.version
  : "node " + process.versions.node;

const threads = new ThreadPool(2);
assert.deepEqual(await threads.map((x) => x * 2, [1, 2, 3]), [2, 4, 6]);
assert.equal(await threads.apply(async (a, b) => a + b, [2, 3]), 5);
threads.close();
await threads.join();

const pool = new Pool({ processes: 2, module: new URL("./tasks.mjs", import.meta.url) });
// a self-contained function, sent by source
assert.deepEqual(await pool.map((x) => x * x, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
// a built-in, sent by its global path
assert.equal(await pool.apply(Math.abs, [-7]), 7);
// an export of the task module, by name
assert.deepEqual(await pool.starmap("add", [[1, 2], [3, 4]]), [3, 7]);
// a task's error comes back with its class
await assert.rejects(pool.apply("fail", ["boom"]), { name: "RangeError", message: "boom" });
pool.close();
await pool.join();

// every subpath export resolves; the runtime's adapter can be passed explicitly
const adapters = {
  deno: (await import("multipool/adapters/deno")).denoAdapter,
  node: (await import("multipool/adapters/node")).nodeAdapter,
  bun: (await import("multipool/adapters/bun")).bunAdapter,
};
const adapter = adapters[runtime.split(" ")[0]];
assert.equal(typeof adapter.spawn, "function");
const explicit = new Pool({ processes: 1, adapter });
assert.equal(await explicit.apply((x) => x + 1, [41]), 42);
await explicit.terminate();
console.log("smoke ok on " + runtime);
`;

const TASKS_JS = `export function add(a, b) {
  return a + b;
}
export function fail(message) {
  throw new RangeError(message);
}
`;

// A consumer of every entry and public type; `await using` needs
// TypeScript 5.2 and lib esnext.disposable (in "ESNext").
const SMOKE_TS = `import {
  AsyncResult,
  BrokenPoolError,
  type IMapIterator,
  Pool,
  type PoolOptions,
  PoolClosedError,
  ThreadPool,
  TimeoutError,
  type WorkerAdapter,
} from "multipool";
import { nodeAdapter } from "multipool/adapters/node";
import { denoAdapter } from "multipool/adapters/deno";
import { bunAdapter } from "multipool/adapters/bun";
import { webAdapter } from "multipool/adapters/web";
import { progress, taskSignal } from "multipool/task";

const adapters: WorkerAdapter[] = [
  nodeAdapter,
  denoAdapter,
  bunAdapter,
  webAdapter,
];
const options: PoolOptions = { processes: 2, adapter: adapters[0] };
const pool: Pool = new Pool(options);
const result: AsyncResult<number> = pool.applyAsync(Math.abs, [-1]);
const error: Error = new TimeoutError("late");
const errors: Error[] = [new PoolClosedError("x"), new BrokenPoolError("y")];

export async function consume(signal?: AbortSignal): Promise<number[]> {
  await using threads = new ThreadPool(2);
  const doubled: number[] = await threads.map((x: number) => x * 2, [1, 2], {
    signal,
  });
  const lazy: IMapIterator<string> = threads.imap(String, doubled);
  const out: number[] = [];
  for await (const text of lazy) out.push(Number(text));
  return out;
}
export function task(n: number): number {
  const signal: AbortSignal = taskSignal();
  progress(n);
  return signal.aborted ? 0 : n;
}
export { error, errors, result };
`;

/**
 * The TypeScript consumers: [name, compiler package, lib, types]. The oldest
 * TypeScript is checked without @types/node: today's @types/node needs a newer
 * TypeScript than 5.2 (a 5.2 user has an older @types/node).
 */
const CONSUMERS: [string, string, string[], string[]][] = [
  ["newest TypeScript, DOM lib", "typescript", ["ESNext", "DOM"], []],
  ["newest TypeScript, @types/node, no DOM", "typescript", ["ESNext"], [
    "node",
  ]],
  ["newest TypeScript, neither DOM nor @types/node", "typescript", [
    "ESNext",
  ], []],
  ["TypeScript 5.2, DOM lib", "typescript52", ["ESNext", "DOM"], []],
  ["TypeScript 5.2, neither DOM nor @types/node", "typescript52", [
    "ESNext",
  ], []],
];

/** Packs npm/ into `dir` and checks the file list; returns the tarball's path. */
function pack(dir: string): string {
  header(`npm pack ${NPM_NAME}`);
  const out = mustRun("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: NPM_DIR,
    capture: true,
  });
  const [info] = JSON.parse(out) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string; size: number }[];
  }[];
  const paths = info.files.map((f) => f.path).sort();
  const unexpected = paths.filter((p) =>
    !TOP_FILES.includes(p) && !ALLOWED.test(p)
  );
  for (const required of TOP_FILES) {
    if (!paths.includes(required)) unexpected.push(`(missing) ${required}`);
  }
  const pkg = readJson(join(NPM_DIR, "package.json"));
  const exportsMap = pkg.exports as Record<string, Record<string, string>>;
  for (const entry of Object.values(exportsMap)) {
    for (const target of Object.values(entry)) {
      if (!paths.includes(target.replace(/^\.\//, ""))) {
        unexpected.push(`(missing export target) ${target}`);
      }
    }
  }
  if (unexpected.length) {
    throw new Error(`The tarball is wrong:\n  ${unexpected.join("\n  ")}`);
  }
  console.log(
    `${info.filename}: ${paths.length} files, ${info.size} bytes packed, ` +
      `${info.unpackedSize} unpacked`,
  );
  return join(dir, info.filename);
}

/** Makes a scratch project with the tarball installed. */
function scratch(dir: string, tarball: string): string {
  const project = join(dir, "project");
  header(`Installing the tarball into ${project}`);
  mustRun("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "smoke", private: true, type: "module" }, null, 2),
  );
  mustRun("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--prefer-offline",
    tarball,
  ], { cwd: project });
  writeFileSync(join(project, "smoke.mjs"), SMOKE_JS);
  writeFileSync(join(project, "tasks.mjs"), TASKS_JS);
  writeFileSync(join(project, "smoke.ts"), SMOKE_TS);
  // Every consumer without skipLibCheck, so the shipped .d.ts are checked.
  CONSUMERS.forEach(([, , lib, types], i) => {
    writeFileSync(
      join(project, `tsconfig.${i}.json`),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib,
          types,
          typeRoots: [join(ROOT, "node_modules", "@types")],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ["smoke.ts"],
      }),
    );
  });
  return project;
}

/** The compiler's version, for the report. */
function tscVersion(pkg: string): string {
  const { stdout } = run(tscOf(pkg), ["--version"], { capture: true });
  return stdout.trim().replace(/^Version /, "");
}

function main(): number {
  const keep = process.argv.includes("--keep");
  const dir = mkdtempSync(join(tmpdir(), "multipool-smoke-"));
  const results: string[] = [];
  let failed = 0;
  try {
    const project = scratch(dir, pack(dir));
    // [name, command]: every check is required.
    const checks: [string, () => [string, string[]]][] = [
      ...CONSUMERS.map(([name, pkg], i): [string, () => [string, string[]]] => [
        `tsc ${tscVersion(pkg)}: ${name}`,
        () => [tscOf(pkg), ["-p", `tsconfig.${i}.json`, "--pretty", "false"]],
      ]),
      ...NODE_LINES.map(({ major }): [string, () => [string, string[]]] => [
        `node${major}`,
        () => [findNode(major), ["smoke.mjs"]],
      ]),
      ["bun", () => [bin("bun"), ["smoke.mjs"]]],
      ["deno", () => [bin("deno"), ["run", "-A", "smoke.mjs"]]],
    ];
    for (const [name, command] of checks) {
      header(`Smoke test: ${name}`);
      let cmd: string, args: string[];
      try {
        [cmd, args] = command();
      } catch (error) {
        console.error((error as Error).message);
        results.push(`${name}: FAILED (not installed)`);
        failed++;
        continue;
      }
      // The scratch project must exit on its own: a hang is a failure.
      const { code } = run(cmd, args, {
        cwd: project,
        timeout: 120_000,
        env: { NODE_OPTIONS: undefined, DENO_NO_PACKAGE_JSON: undefined },
      });
      results.push(`${name}: ${code === 0 ? "ok" : `FAILED (exit ${code})`}`);
      if (code !== 0) failed++;
    }
  } finally {
    if (keep) console.log(`Kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  header("Packed tarball smoke test");
  for (const line of results) console.log(`  ${line}`);
  return failed === 0 ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`\nsmoke_pack: ${(error as Error).message}`);
  process.exitCode = 1;
}
