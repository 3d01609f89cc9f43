/**
 * Serves the browser page, `examples/browser/index.html`, with the built npm
 * package, on http://localhost:8000/ (or `--port N`).
 *
 * Shows: what a page needs to use multipool without a bundler: an import map
 * from `"multipool"` to the package's `esm/mod.js`, and a server that gives
 * module scripts a JavaScript content type. The page is served at `/` and the
 * package (npm/, built by `npm run build`) at `/node_modules/multipool/`, the
 * layout of a project that installed it.
 *
 * ```sh
 * npm run build
 * deno run -A examples/browser.ts [--port 8000]
 * node examples/browser.ts [--port 8000]
 * bun examples/browser.ts [--port 8000]
 * ```
 *
 * With `--check` (what `npm run test:examples` runs) it serves on a free port,
 * fetches the page and every module it loads (the import map's targets, their
 * imports, and the worker entry they point to with `new URL`), checks that each
 * arrives as JavaScript, and exits. Running the page in real browsers is the
 * browser test suite's job.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const PAGE = fileURLToPath(new URL("./browser/index.html", import.meta.url));
const PACKAGE = fileURLToPath(new URL("../npm/", import.meta.url));
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".ts": "text/plain; charset=utf-8",
};

/** The file a request path maps to, or undefined (outside the two roots). */
function fileFor(path: string): string | undefined {
  if (path === "/" || path === "/index.html") return PAGE;
  const prefix = "/node_modules/multipool/";
  if (!path.startsWith(prefix)) return undefined;
  const file = normalize(
    join(PACKAGE, decodeURIComponent(path.slice(prefix.length))),
  );
  return file.startsWith(PACKAGE) && existsSync(file) && statSync(file).isFile()
    ? file
    : undefined;
}

function serve(port: number): Promise<Server> {
  if (!existsSync(join(PACKAGE, "package.json"))) {
    throw new Error(
      "Cannot serve the page as npm/ is missing: run 'npm run build' first",
    );
  }
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const file = fileFor(path);
    if (path === "/favicon.ico") {
      response.writeHead(204).end();
      return;
    }
    if (!file) {
      response.writeHead(404, { "content-type": "text/plain" }).end(
        "Not found\n",
      );
      return;
    }
    response.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, () => resolve(server)));
}

const IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']|new URL\(\s*["'](\.{1,2}\/[^"']+)["']/g;

/** Fetches the page and its whole module graph; throws on the first problem. */
async function check(base: string): Promise<number> {
  const page = await fetch(base);
  if (!page.ok || !page.headers.get("content-type")?.startsWith("text/html")) {
    throw new Error(
      `GET / gave ${page.status} ${page.headers.get("content-type")}`,
    );
  }
  const html = await page.text();
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  if (!map) throw new Error("The page has no import map");
  const imports = JSON.parse(map[1]).imports as Record<string, string>;
  if (!/import \{[^}]*\} from "multipool"/.test(html) || !imports.multipool) {
    throw new Error(
      "The page does not import 'multipool' through its import map",
    );
  }
  const queue = Object.values(imports).map((target) =>
    new URL(target, base).href
  );
  const seen = new Set<string>();
  while (queue.length) {
    const url = queue.pop()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const response = await fetch(url);
    const type = response.headers.get("content-type") ?? "";
    if (!response.ok || !type.startsWith("text/javascript")) {
      throw new Error(`GET ${url} gave ${response.status} ${type}`);
    }
    const code = (await response.text()).replace(
      /\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm,
      "",
    );
    for (const match of code.matchAll(IMPORT)) {
      queue.push(new URL(match[1] ?? match[2], url).href);
    }
  }
  return seen.size;
}

const flag = process.argv.indexOf("--port");
const port = flag > 0 ? Number(process.argv[flag + 1]) : 8000;
if (process.argv.includes("--check")) {
  const server = await serve(0);
  const base = `http://localhost:${(server.address() as AddressInfo).port}/`;
  try {
    const modules = await check(base);
    console.log(
      `page ok: / and ${modules} modules of the package load as JavaScript`,
    );
  } finally {
    // Deno's node:http keeps the fetches' keep-alive connections open after
    // close(), and the script then never exits: close them too.
    server.close();
    server.closeAllConnections();
  }
} else {
  await serve(port);
  console.log(
    `Serving the multipool page on http://localhost:${port}/ (Ctrl+C stops)`,
  );
}
