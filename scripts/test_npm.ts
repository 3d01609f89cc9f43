// Runs the test suite (tests/*_test.ts) against the built npm package (npm/)
// on every supported Node line (22, 24, 26: devDependencies, see NODE_LINES in
// scripts/_tools.ts) and Bun. The tests and tests/testdata are compiled with
// tsc into .npm_test/js/ (never shipped), `../mod.ts` rewritten to the package
// name `multipool`, which .npm_test/node_modules/multipool links to npm/: the
// suite imports the package through its package.json `exports`, like a user,
// and is type checked against the shipped .d.ts.
//
//   deno run -A scripts/test_npm.ts [node22] [node24] [node26] [bun]   (default: all)
//
// --compile-only compiles the suite and runs nothing; --no-compile runs the
// suite compiled before (scripts/test_all.ts compiles once, then runs the
// runtimes side by side).
//
// A runtime that is not installed fails the run (CI installs them all with
// `npm ci`): the package is only said to support what was tested.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { compilerOptions, sourceFiles, tsc } from "./build_npm.ts";
import {
  bin,
  builtPath,
  denoExports,
  findNode,
  header,
  NODE_LINES,
  NPM_DIR,
  NPM_NAME,
  NPM_TEST_DIR,
  readDenoConfig,
  rel,
  rewriteSpecifiers,
  ROOT,
  run,
  walk,
} from "./_tools.ts";

const TESTS = join(ROOT, "tests");
const TS_DIR = join(NPM_TEST_DIR, "ts");
const JS_DIR = join(NPM_TEST_DIR, "js");
const NODE_TIMEOUT = "--test-timeout=120000";
/** One line per test and the failures again at the end. */
const NODE_REPORTER = "--test-reporter=spec";
const BUN_TIMEOUT = ["--timeout", "120000"];
/** A whole run that takes longer than this hangs: it is killed and fails. */
const RUN_TIMEOUT = 20 * 60_000;

/**
 * Where a test's import of a repository module points in the package test:
 * an entry of deno.json's exports becomes the package's own subpath
 * (`../mod.ts` → `multipool`, `../adapters/node.ts` → `multipool/adapters/node`),
 * another shipped module (src/, adapters/) its built file inside the linked
 * package (the same module instance the entry points load), anything else is
 * an error.
 */
function packageSpecifier(from: string, path: string): string | undefined {
  const subpaths = denoExports(readDenoConfig());
  for (const [subpath, source] of Object.entries(subpaths)) {
    if (resolve(ROOT, source) === path) {
      return NPM_NAME + subpath.slice(1);
    }
  }
  const shipped = sourceFiles().includes(path);
  if (!shipped) return undefined;
  const built = join(
    NPM_TEST_DIR,
    "node_modules",
    NPM_NAME,
    builtPath("./" + relative(ROOT, path).split(sep).join("/"), ".js"),
  );
  const target = join(TS_DIR, relative(ROOT, from));
  let specifier = relative(dirname(target), built).split(sep).join("/");
  if (!specifier.startsWith(".")) specifier = "./" + specifier;
  internalImports.add(`${rel(from)} → ${rel(path)}`);
  return specifier;
}

const internalImports = new Set<string>();

/** Copies tests/ into .npm_test/ts/ with imports of the sources turned into the package. */
function copyTests(): string[] {
  const tsFiles: string[] = [];
  for (const file of walk(TESTS)) {
    const target = join(TS_DIR, relative(ROOT, file));
    mkdirSync(dirname(target), { recursive: true });
    if (!file.endsWith(".ts")) {
      copyFileSync(file, target);
      const js = join(JS_DIR, relative(ROOT, file));
      mkdirSync(dirname(js), { recursive: true });
      copyFileSync(file, js);
      continue;
    }
    const code = rewriteSpecifiers(readFileSync(file, "utf8"), (specifier) => {
      if (!/^\.\.?\//.test(specifier)) return specifier;
      const path = resolve(dirname(file), specifier);
      if (!relative(TESTS, path).startsWith("..")) return specifier;
      const mapped = packageSpecifier(file, path);
      if (mapped === undefined) {
        throw new Error(
          `${rel(file)} imports '${specifier}', which the package does not ` +
            `ship: tests may import ../mod.ts, shipped modules and tests/`,
        );
      }
      return mapped;
    });
    writeFileSync(target, code);
    tsFiles.push(target);
  }
  if (internalImports.size) {
    console.log(
      `note: tests importing internal modules (run against their built ` +
        `files):\n  ${[...internalImports].join("\n  ")}`,
    );
  }
  return tsFiles;
}

/** Compiles the suite against the package's .d.ts and links the package. */
function compile(): string[] {
  if (!existsSync(join(NPM_DIR, "package.json"))) {
    throw new Error(
      `Cannot find the built package in ${rel(NPM_DIR)}/: run 'npm run build'`,
    );
  }
  for (const dir of [TS_DIR, JS_DIR, join(NPM_TEST_DIR, "node_modules")]) {
    rmSync(dir, { recursive: true, force: true });
  }
  const link = join(NPM_TEST_DIR, "node_modules", NPM_NAME);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), NPM_DIR), link, "dir");
  const files = copyTests();
  header(`Compiling ${files.length} test modules against ${rel(NPM_DIR)}/`);
  tsc("tests", {
    ...compilerOptions(),
    rootDir: TS_DIR,
    outDir: JS_DIR,
    declaration: false,
  }, files);
  return compiledTests();
}

/** The compiled test files in .npm_test/js/tests/. */
function compiledTests(): string[] {
  const dir = join(JS_DIR, "tests");
  const tests = existsSync(dir)
    ? walk(dir).filter((f) => /_test\.js$/.test(f) && !f.includes("/testdata/"))
    : [];
  if (tests.length === 0) {
    throw new Error(
      `No compiled *_test.js files in ${rel(dir)}/: run without --no-compile`,
    );
  }
  return tests;
}

interface Runner {
  name: string;
  command: () => [string, string[]];
}

function runners(tests: string[]): Runner[] {
  const files = tests.map((f) => relative(NPM_TEST_DIR, f));
  const nodeArgs = ["--test", NODE_REPORTER, NODE_TIMEOUT, ...files];
  return [
    ...NODE_LINES.map(({ major }): Runner => ({
      name: `node${major}`,
      command: () => [findNode(major), nodeArgs],
    })),
    {
      name: "bun",
      command: () => [bin("bun"), [
        "test",
        ...BUN_TIMEOUT,
        ...files.map((f) => "./" + f),
      ]],
    },
  ];
}

function main(): number {
  const argv = process.argv.slice(2);
  const wanted = argv.filter((a) => !a.startsWith("--"));
  const tests = argv.includes("--no-compile") ? compiledTests() : compile();
  if (argv.includes("--compile-only")) return 0;
  const chosen = runners(tests).filter((r) =>
    wanted.length === 0 || wanted.includes(r.name)
  );
  if (chosen.length === 0) {
    throw new Error(`Unknown runtime in '${wanted.join(" ")}'`);
  }
  const results: string[] = [];
  let failed = 0;
  for (const runner of chosen) {
    let command: string, args: string[];
    try {
      [command, args] = runner.command();
    } catch (error) {
      console.error(`${runner.name}: ${(error as Error).message}`);
      results.push(`${runner.name}: FAILED (not installed)`);
      failed++;
      continue;
    }
    header(`Package test suite on ${runner.name} (${command})`);
    const started = Date.now();
    // Scrub NODE_OPTIONS and friends that the outer runner may set.
    const { code } = run(command, args, {
      cwd: NPM_TEST_DIR,
      env: { NODE_OPTIONS: undefined, NODE_TEST_CONTEXT: undefined },
      timeout: RUN_TIMEOUT,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    results.push(
      `${runner.name}: ${code === 0 ? "passed" : `FAILED (exit ${code})`} ` +
        `in ${seconds}s`,
    );
    if (code !== 0) failed++;
  }
  header(`Package test suite against ${rel(NPM_DIR)}/`);
  for (const line of results) console.log(`  ${line}`);
  return failed === 0 ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`\ntest_npm: ${(error as Error).message}`);
  process.exitCode = 1;
}
