/**
 * Writes the README's headline benchmark table from the last full run of each
 * runtime (bench/results/<runtime>_headline.json, written by compare.ts), in
 * place between `<!-- bench:headline:start -->` and
 * `<!-- bench:headline:end -->`. `npm run bench` runs it last.
 *
 * ```sh
 * deno run -A bench/readme.ts
 * ```
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { type Headline, headlineMarkdown } from "./_headline.ts";

const RESULTS = new URL("./results/", import.meta.url);
const README = new URL("../README.md", import.meta.url);
const START = "<!-- bench:headline:start -->";
const END = "<!-- bench:headline:end -->";

const runs: Headline[] = [];
for (const runtime of ["node", "deno", "bun"]) {
  const file = new URL(`${runtime}_headline.json`, RESULTS);
  if (existsSync(file)) runs.push(JSON.parse(readFileSync(file, "utf8")));
  else console.error(`note: no ${runtime}_headline.json: run npm run bench`);
}
const readme = readFileSync(README, "utf8");
const start = readme.indexOf(START), end = readme.indexOf(END);
if (start < 0 || end < start) {
  console.error(`readme: README.md has no ${START} ... ${END} section`);
  process.exit(1);
}
writeFileSync(
  README,
  readme.slice(0, start + START.length) + "\n\n" + headlineMarkdown(runs) +
    "\n\n" + readme.slice(end),
);
// Tables are aligned by deno fmt, as `npm run check` expects.
const deno = new URL("../node_modules/.bin/deno", import.meta.url);
spawnSync(decodeURIComponent(deno.pathname), ["fmt", "README.md"], {
  cwd: decodeURIComponent(new URL("..", import.meta.url).pathname),
  stdio: "inherit",
});
console.log(
  `README.md: headline table from ${runs.length} runs (${
    runs.map((h) => `${h.info.version} ${h.info.date}`).join(", ")
  })`,
);
