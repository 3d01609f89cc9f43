// Builds the npm package into npm/ with the TypeScript compiler (what dnt would
// do): ESM JavaScript and .d.ts for every module of mod.ts, src/ and adapters/
// in the same layout, with the worker side bundled into one module as the
// worker entry (src/_worker_bundle.js, shipped as esm/src/_worker.js, which
// `new URL("./_worker.js", import.meta.url)` finds), a package.json generated
// from deno.json, README.md and LICENSE. Nothing else: no tests, no source maps. Fails on any type error.
//
//   deno run -A scripts/build_npm.ts            build npm/
//   deno run -A scripts/build_npm.ts --no-emit  type check only
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import {
  builtPath,
  denoExports,
  header,
  mustRun,
  NODE_LINES,
  NPM_DIR,
  NPM_NAME,
  NPM_TEST_DIR,
  npmExports,
  readDenoConfig,
  readJson,
  rel,
  rewriteSpecifiers,
  ROOT,
  specifiers,
  tscOf,
  walk,
} from "./_tools.ts";
import { bundleWorker, WORKER_BUNDLE } from "./build_worker.ts";

/** Folders whose every module ships (besides mod.ts and the exports). */
const SOURCE_DIRS = ["src", "adapters", "cluster"];
/**
 * Optional peer dependencies: only the `./cluster` entry imports them (the
 * core never does); their ranges come from the dev package.json.
 */
const PEERS = ["bullmq", "ioredis", "msgpackr"];
/** The package's commands. */
const BIN = { multipool: "./esm/cluster/cli.js" };
/** Files copied into the package as they are. */
const COPIED = ["README.md", "LICENSE", "CHANGELOG.md"];
/**
 * The lib the sources are checked against. ESNext, as the core feature-detects
 * newer APIs (`Array.fromAsync`); each supported Node line is proven by running
 * the test suite on it against the built package (scripts/test_npm.ts).
 */
const LIB = ["ESNext", "DOM", "DOM.Iterable"];

/** The .ts modules that ship, as absolute paths. */
export function sourceFiles(): string[] {
  const config = readDenoConfig();
  const files = new Set<string>([join(ROOT, "mod.ts")]);
  for (const source of Object.values(denoExports(config))) {
    files.add(resolve(ROOT, source));
  }
  for (const dir of SOURCE_DIRS) {
    for (const file of walk(join(ROOT, dir))) {
      if (
        file.endsWith(".ts") && !file.endsWith(".d.ts") &&
        !/_test\.ts$/.test(file) && !/\.test\.ts$/.test(file)
      ) {
        files.add(file);
      }
    }
  }
  for (const file of files) {
    if (!existsSync(file)) {
      throw new Error(`Cannot build as '${rel(file)}' does not exist`);
    }
  }
  return [...files].sort();
}

/** Compiler options shared by the package build and the compiled test suite. */
export function compilerOptions(): Record<string, unknown> {
  const fromDeno = readDenoConfig().compilerOptions ?? {};
  return {
    ...fromDeno,
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: LIB,
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules", "@types")],
    strict: true,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    erasableSyntaxOnly: true,
    verbatimModuleSyntax: true,
    declaration: true,
    sourceMap: false,
    declarationMap: false,
    noEmitOnError: true,
    skipLibCheck: true,
    newLine: "lf",
    rootDir: ROOT,
  };
}

/** Runs tsc on a generated tsconfig; throws on any error. */
export function tsc(
  name: string,
  options: Record<string, unknown>,
  files: string[],
): void {
  const dir = join(NPM_TEST_DIR, "tsconfig");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({ compilerOptions: options, files }, null, 2) + "\n",
  );
  try {
    mustRun(tscOf(), ["-p", path, "--pretty", "false"]);
  } catch {
    throw new Error(
      `TypeScript failed (${rel(path)}): fix the type errors above`,
    );
  }
}

/**
 * The package's `engines.node`: exactly the Node lines that are tested, the
 * ranges of their devDependencies (`"node22": "npm:node@^22.23.3"` gives
 * `^22.23.3`), joined with `||`.
 */
export function nodeEngine(): string {
  const dev = (readJson(join(ROOT, "package.json")).devDependencies ??
    {}) as Record<string, string>;
  return NODE_LINES.map(({ major, pkg }) => {
    const range = dev[pkg]?.replace(/^npm:node@/, "");
    if (!range || !new RegExp(`^[\\^~]?${major}(\\.|$)`).test(range)) {
      throw new Error(
        `Cannot build engines as package.json's devDependency '${pkg}' is ` +
          `'${dev[pkg]}', not a Node.js ${major} range`,
      );
    }
    return range;
  }).join(" || ");
}

/**
 * Checks that the versions agree: deno.json (jsr, and the built package.json),
 * the workspace package.json, and a `## [version]` section in CHANGELOG.md.
 * The build fails rather than publish two numbers for one release.
 */
export function checkVersions(): string {
  const version = readDenoConfig().version;
  const problems: string[] = [];
  const dev = readJson(join(ROOT, "package.json"));
  if (dev.version !== version) {
    problems.push(
      `package.json has version ${dev.version}, deno.json ${version}`,
    );
  }
  const changelog = join(ROOT, "CHANGELOG.md");
  const heading = new RegExp(
    `^## \\[${version.replaceAll(".", "\\.")}\\]`,
    "m",
  );
  if (!existsSync(changelog)) problems.push("CHANGELOG.md is missing");
  else if (!heading.test(readFileSync(changelog, "utf8"))) {
    problems.push(`CHANGELOG.md has no '## [${version}]' section`);
  }
  if (problems.length) {
    throw new Error(
      `Cannot build as the versions are out of step: ${problems.join("; ")}`,
    );
  }
  return version;
}

/**
 * Declarations of the few globals that the public types name, for consumers
 * whose project has neither the DOM lib nor @types/node: empty interfaces
 * (`URL`) or the members a task reads (`AbortSignal`'s `aborted`, `reason`,
 * `throwIfAborted()`, declared as the DOM lib and @types/node declare them)
 * merge with the real ones where those exist, and the
 * `unique symbol`s of `Symbol.dispose`/`Symbol.asyncDispose` are declared as
 * TypeScript's own esnext.disposable lib (5.2+) declares them.
 */
const GLOBALS_DTS =
  `// Globals named by multipool's public types. Where the DOM lib or
// @types/node is present these merge with the real declarations; without them
// they let the declarations compile (TypeScript 5.2 and later).
declare global {
  interface URL {}
  interface AbortSignal {
    readonly aborted: boolean;
    readonly reason: any;
    throwIfAborted(): void;
  }
  interface SymbolConstructor {
    readonly dispose: unique symbol;
    readonly asyncDispose: unique symbol;
  }
}
export {};
`;

/** The file the entries' .d.ts reference for {@linkcode GLOBALS_DTS}. */
const GLOBALS_FILE = "_globals.d.ts";

/** Writes esm/_globals.d.ts and references it from every entry's .d.ts. */
function addGlobals(esm: string): void {
  writeFileSync(join(esm, GLOBALS_FILE), GLOBALS_DTS);
  for (const source of Object.values(denoExports(readDenoConfig()))) {
    const file = join(NPM_DIR, builtPath(source, ".d.ts"));
    let reference = relative(dirname(file), join(esm, GLOBALS_FILE))
      .split("\\").join("/");
    if (!reference.startsWith(".")) reference = "./" + reference;
    writeFileSync(
      file,
      `/// <reference path="${reference}" />\n` + readFileSync(file, "utf8"),
    );
  }
}

/** Whether a line of tsc's output is (part of) a comment. */
function isComment(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith("*") || t.startsWith("/*") || t.startsWith("//");
}

/** The lines of built JavaScript that are code, not comments. */
function codeOnly(js: string): string {
  return js.split("\n").filter((line) => !isComment(line)).join("\n");
}

/** Rewrites the built files and checks what they reference. */
function postProcess(esm: string, denoName: string): string[] {
  const problems: string[] = [];
  const workers = new Set<string>();
  const toJs = (s: string): string =>
    /^\.\.?\//.test(s) && s.endsWith(".ts") && !s.endsWith(".d.ts")
      ? s.slice(0, -3) + ".js"
      : s;
  const mapName = (s: string): string =>
    s === denoName
      ? NPM_NAME
      : s.startsWith(denoName + "/")
      ? NPM_NAME + s.slice(denoName.length)
      : s;
  for (const file of walk(esm)) {
    const isDts = file.endsWith(".d.ts");
    if (!isDts && !file.endsWith(".js")) {
      problems.push(`unexpected file ${rel(file)}`);
      continue;
    }
    const text = readFileSync(file, "utf8");
    // .d.ts keep the `.ts` specifiers of the sources: point them at the .d.ts
    // of the .js; examples in JSDoc import the npm name instead of the jsr one
    // (and keep their own relative specifiers).
    const out = text.split("\n").map((line) =>
      rewriteSpecifiers(
        line,
        (s) => mapName(isDts && !isComment(line) ? toJs(s) : s),
      )
    ).join("\n");
    // A module reached by a literal `new URL("./x.ts", import.meta.url)`
    // (the worker entry) is `./x.js` once built; the URL stays a literal
    // that bundlers (webpack, Vite, Parcel) follow.
    // The bundled worker side (src/_worker_bundle.js) ships as the worker
    // entry itself, `src/_worker.js`, the name bundlers' users know.
    const built = isDts ? out : out.replace(
      /new URL\((["'])(\.\.?\/[^"'`$]*)\.ts\1,\s*import\.meta\.url\)/g,
      (_, quote, path) =>
        `new URL(${quote}${path}.js${quote}, import.meta.url)`,
    ).replace(
      /new URL\((["'])(\.\.?\/(?:[^"'`$]*\/)?)_worker_bundle\.js\1,\s*import\.meta\.url\)/g,
      (_, quote, path) =>
        `new URL(${quote}${path}_worker.js${quote}, import.meta.url)`,
    );
    if (built !== text) writeFileSync(file, built);
    const code = codeOnly(built);
    for (const specifier of specifiers(code)) {
      if (/^\.\.?\//.test(specifier)) {
        if (!specifier.endsWith(".js")) {
          problems.push(`${rel(file)} imports '${specifier}' (not .js)`);
        } else if (!existsSync(resolve(dirname(file), specifier))) {
          problems.push(`${rel(file)} imports missing '${specifier}'`);
        }
      } else if (
        !specifier.startsWith("node:") &&
        !(PEERS.includes(specifier) &&
          /^esm\/cluster\//.test(rel(file).slice(4)))
      ) {
        problems.push(
          `${
            rel(file)
          } imports '${specifier}': the package has no dependencies`,
        );
      }
    }
    if (isDts) continue;
    // Files reached through `new URL("./x.ts" | "./x.js" | "./x" + ext, ...)`,
    // such as the worker entry, must be built too.
    for (const match of code.matchAll(/new URL\(([^;]*)/g)) {
      for (const lit of match[1].matchAll(/(["'`])(\.\.?\/[^"'`$]*)/g)) {
        let target = toJs(lit[2]);
        if (!/\.[cm]?js$/.test(target)) target += ".js";
        const path = resolve(dirname(file), target);
        if (existsSync(path)) workers.add(rel(path));
        else problems.push(`${rel(file)} refers to missing '${target}'`);
      }
    }
  }
  if (problems.length) {
    throw new Error(`The built package is broken:\n  ${problems.join("\n  ")}`);
  }
  return [...workers].sort();
}

/** The package.json of the npm package. */
function packageJson(): Record<string, unknown> {
  const config = readDenoConfig();
  const exports = npmExports(denoExports(config));
  const dev = readJson(join(ROOT, "package.json"));
  const description = String(dev.description ?? "")
    .replace(/^Development workspace of multipool:\s*/, "") ||
    "Python's multiprocessing.pool for Deno, Node and Bun";
  return {
    name: NPM_NAME,
    version: config.version,
    description,
    keywords: [
      "pool",
      "worker",
      "worker_threads",
      "thread-pool",
      "multiprocessing",
      "parallel",
      "deno",
      "bun",
    ],
    license: config.license ?? dev.license ?? "MIT",
    type: "module",
    sideEffects: false,
    engines: { node: nodeEngine() },
    main: exports["."].default,
    types: exports["."].types,
    exports,
    bin: BIN,
    files: ["esm/", "CHANGELOG.md"],
    peerDependencies: Object.fromEntries(
      PEERS.map((name) => [name, String(devDependency(dev, name))]),
    ),
    peerDependenciesMeta: Object.fromEntries(
      PEERS.map((name) => [name, { optional: true }]),
    ),
  };
}

/** The range of a devDependency of the dev package.json. */
function devDependency(dev: Record<string, unknown>, name: string): string {
  const range = (dev.devDependencies as Record<string, string> | undefined)
    ?.[name];
  if (range === undefined) {
    throw new Error(`Cannot build as '${name}' is not a devDependency`);
  }
  return range;
}

/**
 * Ships the worker side bundled into one module as the worker entry,
 * esm/src/_worker.js (in place of tsc's, which imports half a dozen
 * modules), so every worker loads one file; refuses a stale bundle.
 */
function shipWorkerBundle(esm: string): void {
  const bundle = readFileSync(WORKER_BUNDLE, "utf8");
  if (bundle !== bundleWorker()) {
    throw new Error(
      `Cannot build as ${rel(WORKER_BUNDLE)} is stale: rebuild it with ` +
        `'deno run -A scripts/build_worker.ts'`,
    );
  }
  writeFileSync(join(esm, "src", "_worker.js"), bundle);
}

function build(): void {
  checkVersions();
  const config = readDenoConfig();
  const files = sourceFiles();
  const noEmit = process.argv.includes("--no-emit");
  header(
    `${noEmit ? "Type checking" : "Building"} ${NPM_NAME}@${config.version} ` +
      `(${files.length} modules) with tsc`,
  );
  if (noEmit) {
    tsc("check_package", { ...compilerOptions(), noEmit: true }, files);
    console.log("Type check passed (lib " + LIB.join(", ") + ")");
    return;
  }
  for (const name of COPIED) {
    if (!existsSync(join(ROOT, name))) {
      throw new Error(`Cannot build the package as ${name} is missing`);
    }
  }
  rmSync(NPM_DIR, { recursive: true, force: true });
  const esm = join(NPM_DIR, "esm");
  tsc("build", { ...compilerOptions(), outDir: esm }, files);
  shipWorkerBundle(esm);
  const workers = postProcess(esm, config.name);
  addGlobals(esm);
  for (const name of COPIED) {
    copyFileSync(join(ROOT, name), join(NPM_DIR, name));
  }
  writeFileSync(
    join(NPM_DIR, "package.json"),
    JSON.stringify(packageJson(), null, 2) + "\n",
  );
  const built = walk(NPM_DIR);
  const bytes = built.reduce((sum, f) => sum + statSync(f).size, 0);
  console.log(
    `Built ${rel(NPM_DIR)}/: ${built.length} files, ${bytes} bytes; ` +
      `entries ${Object.keys(denoExports(config)).join(", ")}` +
      (workers.length ? `; referenced by URL: ${workers.join(", ")}` : ""),
  );
  for (const f of built) console.log(`  ${relative(NPM_DIR, f)}`);
}

if (import.meta.main) {
  try {
    build();
  } catch (error) {
    console.error(`\nbuild_npm: ${(error as Error).message}`);
    process.exit(1);
  }
}
