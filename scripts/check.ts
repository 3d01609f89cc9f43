// `npm run check` / `deno task ok`: everything that keeps the jsr and npm
// releases in shape, in one go. Runs every step, then fails if any failed.
//
//   1. deno fmt --check           formatting
//   2. deno lint                  lint
//   3. deno check --doc           types of sources, tests, scripts, bench and
//                                 the JSDoc examples
//   4. tsc --noEmit (build_npm)   the package's types as the npm build sees them
//   5. deno doc --lint mod.ts     JSDoc on every export (of every exported
//                                 entry in deno.json)
//   6. check_examples             an @example on every exported value
//   7. deno publish --dry-run     jsr readiness (no slow types)
//   8. check_exports              deno.json exports == npm/package.json exports
//   9. build_worker --check       src/_worker_bundle.js is the bundle of the
//                                 sources as they are
//
//   deno run -A scripts/check.ts [--only=fmt,lint,...]
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  bin,
  denoExports,
  header,
  readDenoConfig,
  ROOT,
  run,
} from "./_tools.ts";

const deno = bin("deno");
/** Every module deno.json exports: mod.ts, and any subpath entry. */
const entries = [...new Set(Object.values(denoExports(readDenoConfig())))];
const typeChecked = [
  "mod.ts",
  "task.ts",
  "src",
  "adapters",
  "cluster",
  "tests",
  "scripts",
  "bench",
  "examples",
]
  .filter((p) => existsSync(join(ROOT, p)));

const steps: [name: string, command: string, args: string[]][] = [
  ["fmt", deno, ["fmt", "--check"]],
  ["lint", deno, ["lint"]],
  ["check", deno, ["check", "--doc", ...typeChecked]],
  ["tsc", deno, ["run", "-A", "scripts/build_npm.ts", "--no-emit"]],
  ["doc-lint", deno, ["doc", "--lint", ...entries]],
  ["examples", deno, ["run", "-A", "scripts/check_examples.ts"]],
  ["publish", deno, ["publish", "--dry-run", "--allow-dirty"]],
  ["exports", deno, ["run", "-A", "scripts/check_exports.ts"]],
  ["worker-bundle", deno, ["run", "-A", "scripts/build_worker.ts", "--check"]],
];

const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7)
  .split(",");
const results: string[] = [];
let failed = 0;
for (const [name, command, args] of steps) {
  if (only && !only.includes(name)) continue;
  header(`check ${name}: deno ${args.join(" ")}`);
  const { code } = run(command, args, { env: { NO_COLOR: "1" } });
  results.push(`${name}: ${code === 0 ? "ok" : `FAILED (exit ${code})`}`);
  if (code !== 0) failed++;
}
header("check summary");
for (const line of results) console.log(`  ${line}`);
if (failed) {
  console.error(`check: ${failed} step(s) failed`);
  process.exitCode = 1;
}
