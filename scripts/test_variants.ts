// `npm run test:no-shared-memory`, `test:web`, `test:process`: the Pool suite
// on another adapter (MULTIPOOL_TEST_ADAPTER, see tests/_pools.ts), on the
// runtimes given. Only the test files that take their pool class from
// tests/_pools.ts run: the adapter variant changes nothing in the others
// (ThreadPool only, pure core, or their own adapter like tests/process_test.ts),
// which the runtimes' own suites (test:deno, test:bun, test:node) already ran.
// Deno runs with --no-check: `npm run check` type checks tests/.
//
//   deno run -A scripts/test_variants.ts <variant> <runtime ...>
//     variant: no-shared-memory | web | process; runtime: deno | bun | node
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { bin, findNode, header, rel, ROOT, run } from "./_tools.ts";

const TESTS = join(ROOT, "tests");
const VARIANTS = ["no-shared-memory", "web", "process"];
/** `import { ..., pools, ... } from "./_pools.ts"` (or `Pool`). */
const USES_POOLS =
  /import\s*\{[^}]*\b(?:pools|Pool)\b[^}]*\}\s*from\s*"\.\/_pools\.ts"/;

/**
 * The test files whose pools come from tests/_pools.ts, sorted.
 *
 * @returns Their paths.
 */
export function variantTests(): string[] {
  return readdirSync(TESTS)
    .filter((name) => name.endsWith("_test.ts"))
    .sort()
    .map((name) => join(TESTS, name))
    .filter((file) => USES_POOLS.test(readFileSync(file, "utf8")));
}

const COMMANDS: Record<string, (files: string[]) => [string, string[]]> = {
  deno: (files) => [bin("deno"), ["test", "-A", "--no-check", ...files]],
  bun: (files) => [bin("bun"), ["test", "--timeout", "30000", ...files]],
  node: (files) => [findNode(24), ["--test", "--test-timeout=60000", ...files]],
};

function main(): number {
  const [variant, ...runtimes] = process.argv.slice(2);
  if (!VARIANTS.includes(variant) || runtimes.length === 0) {
    throw new Error(
      `Usage: test_variants.ts <${VARIANTS.join("|")}> <deno|bun|node ...>`,
    );
  }
  const files = variantTests();
  const results: string[] = [];
  let failed = 0;
  for (const runtime of runtimes) {
    const command = COMMANDS[runtime];
    if (!command) throw new Error(`Unknown runtime '${runtime}'`);
    const [file, args] = command(files.map((f) => "./" + rel(f)));
    header(
      `Pool suite (${files.length} files) with MULTIPOOL_TEST_ADAPTER=${variant} on ${runtime}`,
    );
    const started = Date.now();
    const { code } = run(file, args, {
      env: { MULTIPOOL_TEST_ADAPTER: variant },
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    results.push(
      `${runtime}: ${code === 0 ? "passed" : `FAILED (exit ${code})`} ` +
        `in ${seconds}s`,
    );
    if (code !== 0) failed++;
  }
  header(`Pool suite with MULTIPOOL_TEST_ADAPTER=${variant}`);
  for (const line of results) console.log(`  ${line}`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  try {
    process.exitCode = main();
  } catch (error) {
    console.error(`\ntest_variants: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
