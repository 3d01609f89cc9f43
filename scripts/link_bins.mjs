// postinstall: points node_modules/.bin/node and .bin/tsc at the main
// devDependencies. The aliased ones (`"node22": "npm:node@^22"`,
// `"typescript52": "npm:typescript@~5.2"`) declare the same bin names, and npm
// links whichever it reaches first, so without this `npx node` could be
// Node 22 and `npx tsc` TypeScript 5.2. Plain JavaScript, as it runs under
// whatever `node` npm finds before the links are right.
import { existsSync, lstatSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "node_modules", ".bin");
/** bin name → its target, relative to node_modules/.bin. */
const links = {
  node: "../node/bin/node",
  tsc: "../typescript/bin/tsc",
};
/** Bins that only an alias provides and that would mislead: removed. */
const stale = ["tsserver"];

function exists(path) {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

if (existsSync(binDir)) {
  for (const [name, target] of Object.entries(links)) {
    if (!existsSync(join(binDir, target))) continue;
    const path = join(binDir, name);
    if (exists(path)) rmSync(path, { force: true });
    symlinkSync(target, path);
  }
  for (const name of stale) {
    const path = join(binDir, name);
    if (exists(path)) rmSync(path, { force: true });
  }
}
