// Packs npm/ with `npm pack`, checks what the tarball holds, installs it into a
// scratch project and runs a ThreadPool and a Pool from
// `import { Pool, ThreadPool } from "multipool"` on Node 20, Node 24, Bun and
// Deno; type checks a TypeScript consumer against the shipped .d.ts too.
//
//   deno run -A scripts/smoke_pack.ts [--keep]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  bin,
  findNode20,
  findNode24,
  header,
  mustRun,
  NPM_DIR,
  NPM_NAME,
  readJson,
  ROOT,
  run,
} from "./_tools.ts";

/** What the tarball may hold, besides package.json, README.md and LICENSE. */
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

const SMOKE_TS = `import {
  AsyncResult,
  Pool,
  type PoolOptions,
  ThreadPool,
  TimeoutError,
  type WorkerAdapter,
} from "multipool";
import { nodeAdapter } from "multipool/adapters/node";

const adapter: WorkerAdapter = nodeAdapter;
const options: PoolOptions = { processes: 2, adapter };
const pool: Pool = new Pool(options);
const threads: ThreadPool = new ThreadPool(2);
const doubled: Promise<number[]> = threads.map((x: number) => x * 2, [1, 2]);
const result: AsyncResult<number> = pool.applyAsync(Math.abs, [-1]);
const error: Error = new TimeoutError("late");
export { doubled, error, result };
`;

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
    !["package.json", "README.md", "LICENSE"].includes(p) && !ALLOWED.test(p)
  );
  for (const required of ["package.json", "README.md", "LICENSE"]) {
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
  // A consumer with the DOM lib (as in Deno, Bun and most setups), and a
  // Node-only one (lib ES2022 + @types/node), both without skipLibCheck.
  for (
    const [name, lib] of [["dom", ["ES2022", "DOM"]], ["node", ["ES2022"]]]
  ) {
    writeFileSync(
      join(project, `tsconfig.${name}.json`),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib,
          types: ["node"],
          typeRoots: [join(ROOT, "node_modules", "@types")],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ["smoke.ts"],
      }),
    );
  }
  return project;
}

function tscArgs(name: string): [string, string[]] {
  return [bin("tsc"), ["-p", `tsconfig.${name}.json`, "--pretty", "false"]];
}

function main(): number {
  const keep = process.argv.includes("--keep");
  const dir = mkdtempSync(join(tmpdir(), "multipool-smoke-"));
  const results: string[] = [];
  let failed = 0;
  try {
    const project = scratch(dir, pack(dir));
    // [name, command, required]: a check that is not required only warns.
    const checks: [string, () => [string, string[]], boolean][] = [
      ["tsc, consumer with DOM lib", () => tscArgs("dom"), true],
      ["tsc, Node-only consumer (no DOM lib)", () => tscArgs("node"), false],
      ["node20", () => [findNode20(), ["smoke.mjs"]], true],
      ["node24", () => [findNode24(), ["smoke.mjs"]], true],
      ["bun", () => [bin("bun"), ["smoke.mjs"]], true],
      ["deno", () => [bin("deno"), ["run", "-A", "smoke.mjs"]], true],
    ];
    for (const [name, command, required] of checks) {
      const [cmd, args] = command();
      header(`Smoke test: ${name}`);
      // The scratch project must exit on its own: a hang is a failure.
      const { code } = run(cmd, args, {
        cwd: project,
        timeout: 120_000,
        env: { NODE_OPTIONS: undefined, DENO_NO_PACKAGE_JSON: undefined },
      });
      results.push(
        `${name}: ${
          code === 0 ? "ok" : required ? `FAILED (exit ${code})` : "warning"
        }`,
      );
      if (code !== 0 && required) failed++;
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
