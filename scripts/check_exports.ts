// Checks that jsr (deno.json) and npm (npm/package.json) export the same
// thing: the same subpaths, each npm entry built from the deno.json module
// (`types` first), every target present, and, entry by entry, the same runtime
// export names from the source module and the built one. Builds nothing: run
// `npm run build` first for the npm/ half (skipped with a note when npm/ is
// missing, unless --require-build is given).
//
//   deno run -A scripts/check_exports.ts [--require-build]
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import {
  denoExports,
  NPM_DIR,
  npmExports,
  readDenoConfig,
  readJson,
  rel,
  ROOT,
} from "./_tools.ts";

async function main(): Promise<string[]> {
  const problems: string[] = [];
  const config = readDenoConfig();
  const jsr = denoExports(config);
  for (const [subpath, source] of Object.entries(jsr)) {
    if (!existsSync(resolve(ROOT, source))) {
      problems.push(`deno.json exports '${subpath}': '${source}' is missing`);
    }
  }
  const pkgPath = join(NPM_DIR, "package.json");
  if (!existsSync(pkgPath)) {
    if (process.argv.includes("--require-build")) {
      problems.push(`${rel(pkgPath)} is missing: run 'npm run build'`);
    } else {
      console.log(`note: ${rel(pkgPath)} is missing, checked deno.json only`);
    }
    return problems;
  }
  const pkg = readJson(pkgPath);
  const expected = npmExports(jsr);
  const actual = (pkg.exports ?? {}) as Record<string, Record<string, string>>;
  const keys = (o: object) => Object.keys(o).sort().join(", ");
  if (keys(expected) !== keys(actual)) {
    problems.push(
      `subpaths differ: deno.json has [${keys(expected)}], ` +
        `npm/package.json has [${keys(actual)}]: rebuild with 'npm run build'`,
    );
  }
  for (const [subpath, entry] of Object.entries(actual)) {
    const want = expected[subpath];
    if (!want) continue;
    if (Object.keys(entry)[0] !== "types") {
      problems.push(`npm exports '${subpath}': 'types' must come first`);
    }
    if (JSON.stringify(entry) !== JSON.stringify(want)) {
      problems.push(
        `npm exports '${subpath}' is ${JSON.stringify(entry)}, ` +
          `expected ${JSON.stringify(want)}`,
      );
    }
    for (const target of Object.values(entry)) {
      if (!existsSync(join(NPM_DIR, target))) {
        problems.push(`npm exports '${subpath}': '${target}' is missing`);
      }
    }
  }
  if (pkg.name !== "multipool" || pkg.version !== config.version) {
    problems.push(
      `npm/package.json is ${pkg.name}@${pkg.version}, expected ` +
        `multipool@${config.version}: rebuild with 'npm run build'`,
    );
  }
  if (problems.length) return problems;
  for (const [subpath, source] of Object.entries(jsr)) {
    const fromSource = Object.keys(
      await import(pathToFileURL(resolve(ROOT, source)).href),
    ).sort();
    const fromNpm = Object.keys(
      await import(
        pathToFileURL(join(NPM_DIR, expected[subpath].default)).href
      ),
    ).sort();
    const missing = fromSource.filter((n) => !fromNpm.includes(n));
    const extra = fromNpm.filter((n) => !fromSource.includes(n));
    if (missing.length || extra.length) {
      problems.push(
        `'${subpath}' exports differ: missing from npm [${missing}], ` +
          `only in npm [${extra}]: rebuild with 'npm run build'`,
      );
    } else {
      console.log(`'${subpath}': ${fromSource.length} exports match`);
    }
  }
  return problems;
}

const problems = await main();
if (problems.length) {
  console.error(`check_exports:\n  ${problems.join("\n  ")}`);
  process.exitCode = 1;
} else {
  console.log("deno.json and npm/package.json exports match");
}
