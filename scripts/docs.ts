// `npm run docs`: builds the API reference of every entry deno.json exports
// (mod.ts and each subpath) as HTML with `deno doc --html` into docs/api/
// (git-ignored; `npm test` builds it so that a broken reference fails CI). The
// published reference is https://jsr.io/@multipool/multipool/doc, built by
// jsr from the same JSDoc.
//
//   deno run -A scripts/docs.ts [--output=DIR]
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import {
  bin,
  denoExports,
  header,
  mustRun,
  readDenoConfig,
  rel,
  ROOT,
  walk,
} from "./_tools.ts";

const output = resolve(
  ROOT,
  process.argv.find((a) => a.startsWith("--output="))?.slice(9) ??
    join("docs", "api"),
);

function main(): void {
  const config = readDenoConfig();
  const entries = [...new Set(Object.values(denoExports(config)))];
  header(
    `API reference of ${config.name}@${config.version} into ${rel(output)}/`,
  );
  rmSync(output, { recursive: true, force: true });
  // deno doc creates the output folder but not its parents.
  mkdirSync(output, { recursive: true });
  mustRun(bin("deno"), [
    "doc",
    "--html",
    `--name=${config.name}`,
    `--output=${output}`,
    ...entries,
  ], { env: { NO_COLOR: "1" } });
  const index = join(output, "index.html");
  if (!existsSync(index)) {
    throw new Error(`deno doc wrote no ${rel(index)}`);
  }
  // Every public class of mod.ts has its page: a reference that lost one is broken.
  const pages = walk(output).filter((f) => f.endsWith(".html"));
  const missing = ["Pool", "ThreadPool", "AsyncResult"].filter((name) =>
    !pages.some((page) => page.endsWith(`/${name}.html`))
  );
  if (missing.length) {
    throw new Error(`The reference has no page for ${missing.join(", ")}`);
  }
  console.log(
    `${pages.length} pages for ${entries.length} entries ` +
      `(${readdirSync(output).length} top-level files); open ${
        rel(index)
      } or see https://jsr.io/${config.name}/doc`,
  );
}

try {
  main();
} catch (error) {
  console.error(`\ndocs: ${(error as Error).message}`);
  process.exitCode = 1;
}
