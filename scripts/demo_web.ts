// The browser demo: `npm run demo:web` builds the package and serves a page
// (cross-origin isolated) that runs the CPU-bound demo (16 × fib(30)) on
// Pool(1) and on Pool(hardwareConcurrency) in Web Workers and shows the
// speed-up. Open the printed URL; Ctrl-C stops the server.
//
//   node scripts/demo_web.ts [port]        (after `npm run build`)
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NPM = join(ROOT, "npm");

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>multipool in the browser</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; }
  pre { background: #f4f4f4; padding: 1rem; }
</style>
<h1>multipool: <code>Pool</code> on Web Workers</h1>
<p>16 × <code>fib(30)</code>, CPU-bound, first on one worker, then on one
worker per logical CPU. The page stays responsive: the work runs in Web
Workers.</p>
<button id="run">Run</button>
<pre id="out"></pre>
<script type="module">
  import { Pool } from "/npm/esm/mod.js";
  const out = document.getElementById("out");
  const log = (line) => out.textContent += line + "\\n";
  const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
  async function timed(processes) {
    const pool = new Pool(processes);
    await pool.map(fib, new Array(processes * 2).fill(20), 1); // start and warm
    const start = performance.now();
    await pool.map(fib, new Array(16).fill(30), 1);
    const ms = performance.now() - start;
    await pool.terminate();
    return ms;
  }
  async function run() {
    out.textContent = "";
    const cpus = navigator.hardwareConcurrency || 1;
    log("crossOriginIsolated: " + crossOriginIsolated +
      " (shared memory " + (crossOriginIsolated ? "on" : "off: messages") + ")");
    const one = await timed(1);
    log("Pool(1):  " + (one / 1000).toFixed(2) + " s");
    const many = await timed(cpus);
    log("Pool(" + cpus + "):  " + (many / 1000).toFixed(2) + " s");
    log("speed-up: " + (one / many).toFixed(2) + "x on " + cpus + " logical CPUs");
    globalThis.__demo = { one, many, cpus };
  }
  document.getElementById("run").onclick = run;
  if (new URL(location.href).searchParams.has("run")) run();
</script>
`;

const port = Number(process.argv[2] ?? 8000);
if (!existsSync(join(NPM, "esm", "mod.js"))) {
  console.error("demo_web: build the package first (npm run build)");
  process.exit(1);
}
createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
  const headers = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
  };
  if (path === "/" || path === "/index.html") {
    res.writeHead(200, { "Content-Type": "text/html", ...headers });
    res.end(PAGE);
    return;
  }
  const file = normalize(join(ROOT, decodeURIComponent(path)));
  if (!file.startsWith(NPM) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, headers);
    res.end("not found");
    return;
  }
  res.writeHead(200, {
    "Content-Type": extname(file) === ".js"
      ? "text/javascript"
      : "application/octet-stream",
    ...headers,
  });
  res.end(readFileSync(file));
}).listen(port, "127.0.0.1", () => {
  console.log(`multipool browser demo: http://127.0.0.1:${port}/`);
  console.log("Open it and press Run (or add ?run). Ctrl-C stops the server.");
});
