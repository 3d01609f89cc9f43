// `npm run test:examples`: runs every example (examples/*.ts, except the
// `_`-prefixed task modules) on Deno, Bun and every supported Node line, as a
// user would run it (`deno run -A`, `bun`, `node`), and fails if any run exits
// non-zero or takes longer than RUN_TIMEOUT. A new example needs no entry
// here: drop the file into examples/; only arguments go in ARGS.
//
// An example that uses `using` / `await using` is not run on Node 22, where
// that is a SyntaxError: the output says so, and the example's header says
// which Node it needs. The browser page (examples/browser/index.html) is
// checked by examples/browser.ts --check (it serves the page with the built
// package and fetches its module graph): run `npm run build` first.
//
//   deno run -A scripts/run_examples.ts [name ...] [--runtime=deno,bun,node24]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { bin, findNode, header, NODE_LINES, rel, ROOT, run } from "./_tools.ts";

const EXAMPLES = join(ROOT, "examples");
/** Arguments of the examples that need some in the smoke run. */
const ARGS: Record<string, string[]> = {
  "browser.ts": ["--check"],
};
/** One example on one runtime taking longer than this fails. */
const RUN_TIMEOUT = 120_000;
/** `using x = ...` or `await using x = ...` at the start of a statement. */
const USING = /^\s*(?:await\s+)?using\s+[\w$]+\s*=/m;

interface Runtime {
  name: string;
  /** The command that runs a .ts file. */
  command: () => [string, string[]];
  /** Runs `await using` (Node 22 does not). */
  using: boolean;
}

const RUNTIMES: Runtime[] = [
  { name: "deno", command: () => [bin("deno"), ["run", "-A"]], using: true },
  ...NODE_LINES.map(({ major }): Runtime => ({
    name: `node${major}`,
    command: () => [findNode(major), []],
    using: major >= 24,
  })),
  { name: "bun", command: () => [bin("bun"), []], using: true },
];

/** The example files: examples/*.ts without the `_` prefix, sorted. */
export function examples(): string[] {
  return readdirSync(EXAMPLES)
    .filter((name) => name.endsWith(".ts") && !name.startsWith("_"))
    .sort()
    .map((name) => join(EXAMPLES, name));
}

function main(): number {
  const argv = process.argv.slice(2);
  const names = argv.filter((a) => !a.startsWith("--"));
  const only = argv.find((a) => a.startsWith("--runtime="))?.slice(10)
    .split(",");
  const files = examples().filter((file) =>
    names.length === 0 || names.some((n) => file.endsWith(`/${n}`))
  );
  if (files.length === 0) throw new Error(`No example matches '${names}'`);
  const runtimes = RUNTIMES.filter((r) => !only || only.includes(r.name));
  if (runtimes.length === 0) throw new Error(`No runtime matches '${only}'`);
  const results: string[] = [];
  let failed = 0;
  for (const file of files) {
    const name = file.slice(EXAMPLES.length + 1);
    const needsUsing = USING.test(readFileSync(file, "utf8"));
    for (const runtime of runtimes) {
      const label = `${rel(file)} on ${runtime.name}`;
      if (needsUsing && !runtime.using) {
        results.push(
          `${label}: skipped, needs Node >= 24 (\`await using\` is a ` +
            `SyntaxError on ${runtime.name})`,
        );
        continue;
      }
      let command: string, args: string[];
      try {
        [command, args] = runtime.command();
      } catch (error) {
        console.error((error as Error).message);
        results.push(`${label}: FAILED (not installed)`);
        failed++;
        continue;
      }
      header(label);
      const started = Date.now();
      const { code } = run(command, [...args, file, ...(ARGS[name] ?? [])], {
        timeout: RUN_TIMEOUT,
        env: { NODE_OPTIONS: undefined, NO_COLOR: "1" },
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      results.push(
        `${label}: ${
          code === 0 ? "ok" : `FAILED (exit ${code})`
        } in ${seconds}s`,
      );
      if (code !== 0) failed++;
    }
  }
  header(`Examples (${files.length}) on ${runtimes.map((r) => r.name)}`);
  for (const line of results) console.log(`  ${line}`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  try {
    process.exitCode = main();
  } catch (error) {
    console.error(`\nrun_examples: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
