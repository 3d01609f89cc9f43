// Bundles a small app that uses the built package (npm/) with esbuild and
// runs it on Node 24: Pool.map must work from the bundle.
//
// esbuild does not follow `new URL("./_worker.js", import.meta.url)` (webpack,
// Vite and Parcel do), so the app bundles the worker entry itself, as the
// README says: once as `_worker.js` next to the app (the literal URL finds
// it), once under a name of its own, passed as `workerUrl`.
//
//   deno run -A scripts/test_bundle.ts        (after `npm run build`)
import {
  existsSync,
  mkdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  bin,
  findNode24,
  header,
  mustRun,
  NPM_DIR,
  NPM_NAME,
  rel,
  ROOT,
} from "./_tools.ts";

const DIR = join(ROOT, ".tmp", "bundle");

const APP = `import { Pool } from "${NPM_NAME}";
const workerUrl = process.argv[2] ? new URL(process.argv[2], import.meta.url) : undefined;
const pool = new Pool({ processes: 2, workerUrl });
const squares = await pool.map((x) => x * x, [1, 2, 3, 4, 5, 6], 1);
console.log(JSON.stringify(squares));
await pool.terminate();
`;
const EXPECTED = "[1,4,9,16,25,36]";

function bundle(entries: string[], outdir: string): void {
  mustRun(bin("esbuild"), [
    ...entries,
    "--bundle",
    "--format=esm",
    "--platform=node",
    `--outdir=${outdir}`,
    "--log-level=warning",
  ], { cwd: DIR });
}

function check(name: string, script: string, args: string[]): void {
  const out = mustRun(findNode24(), [script, ...args], {
    cwd: DIR,
    capture: true,
    timeout: 60_000,
  }).trim();
  if (out !== EXPECTED) {
    throw new Error(`${name}: expected ${EXPECTED}, got '${out}'`);
  }
  console.log(`ok  ${name}: ${out}`);
}

function main(): void {
  if (!existsSync(join(NPM_DIR, "package.json"))) {
    throw new Error(`Cannot test the bundle as ${rel(NPM_DIR)}/ is not built`);
  }
  header("esbuild bundles of a small app, run on Node 24");
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(join(DIR, "node_modules"), { recursive: true });
  symlinkSync(NPM_DIR, join(DIR, "node_modules", NPM_NAME), "dir");
  writeFileSync(join(DIR, "app.mjs"), APP);

  // The worker entry bundled as _worker.js next to the app.
  bundle(["app=app.mjs", `_worker=${NPM_NAME}/worker`], "dist");
  check("bundle with _worker.js next to it", "dist/app.js", []);

  // The worker entry under a name of its own, given as workerUrl.
  bundle(["app=app.mjs", `pool-worker=${NPM_NAME}/worker`], "dist2");
  check("bundle with options.workerUrl", "dist2/app.js", [
    "./pool-worker.js",
  ]);
  rmSync(DIR, { recursive: true, force: true });
}

try {
  main();
} catch (error) {
  console.error(`\ntest_bundle: ${(error as Error).message}`);
  process.exit(1);
}
