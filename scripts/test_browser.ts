// The real-browser suite: headless Chromium (Debian's, at /usr/bin/chromium;
// never a browser from npm) driven by playwright-core, against a tiny
// node:http server on 127.0.0.1 serving the built package (npm/) and
// tests/browser/. Three runs of tests/browser/suite.js (both pools, every
// method, error classes, abort of a synchronous loop, terminate, close/join,
// transfer, initializer, maxTasksPerChild):
//
//   isolated  COOP/COEP: cross-origin isolated, shared memory
//   plain     no headers: no SharedArrayBuffer, the message-based fallback
//   csp       a strict Content-Security-Policy without 'unsafe-eval'
//   bundle    tests/browser/bundle_app.js bundled with esbuild (the worker
//             entry beside it as _worker.js), cross-origin isolated
//
//   node scripts/test_browser.ts          (after `npm run build`; Node 24)
import { createServer, type ServerResponse } from "node:http";
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const MODES = (process.env.MODES?.split(",") ??
  ["isolated", "plain", "csp", "bundle"]) as Mode[];
const BUNDLE = join(ROOT, ".tmp", "browser_bundle");
type Mode = "isolated" | "plain" | "csp" | "bundle";

const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".html": "text/html",
  ".json": "application/json",
};

function headers(mode: Mode): Record<string, string> {
  if (mode === "isolated" || mode === "bundle") {
    return {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    };
  }
  if (mode === "csp") {
    return {
      "Content-Security-Policy":
        "default-src 'self'; script-src 'self'; worker-src 'self'",
    };
  }
  return {};
}

const BUNDLE_PAGE =
  `<!doctype html><meta charset="utf-8"><title>multipool bundle</title>` +
  `<script type="module" src="/.tmp/browser_bundle/dist/app.js"></script>`;

// Bundles tests/browser/bundle_app.js and the worker entry with esbuild.
function bundle(): void {
  rmSync(BUNDLE, { recursive: true, force: true });
  mkdirSync(join(BUNDLE, "node_modules"), { recursive: true });
  symlinkSync(join(ROOT, "npm"), join(BUNDLE, "node_modules", "multipool"));
  copyFileSync(
    join(ROOT, "tests", "browser", "bundle_app.js"),
    join(BUNDLE, "app.js"),
  );
  execFileSync(join(ROOT, "node_modules", ".bin", "esbuild"), [
    "app=app.js",
    "_worker=multipool/worker",
    "--bundle",
    "--format=esm",
    "--platform=browser",
    // Each adapter its own chunk: the worker-threads ones import node:
    // modules, loaded only where they are picked.
    "--splitting",
    "--external:node:*",
    `--outdir=${join(BUNDLE, "dist")}`,
    "--log-level=warning",
  ], { cwd: BUNDLE, stdio: "inherit" });
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>multipool</title>` +
  `<script type="module" src="/tests/browser/suite.js"></script>`;

// Serves npm/ under /npm/ and tests/browser/ under /tests/browser/.
function serve(res: ServerResponse, path: string, mode: Mode): void {
  const extra = headers(mode);
  if (path === "/tests/browser/index.html") {
    res.writeHead(200, { "Content-Type": "text/html", ...extra });
    res.end(mode === "bundle" ? BUNDLE_PAGE : PAGE);
    return;
  }
  const file = normalize(join(ROOT, decodeURIComponent(path)));
  const allowed = [
    join(ROOT, "npm"),
    join(ROOT, "tests", "browser"),
    join(BUNDLE, "dist"),
  ];
  if (
    !allowed.some((dir) => file.startsWith(dir)) || !existsSync(file) ||
    !statSync(file).isFile()
  ) {
    res.writeHead(404, extra);
    res.end("not found");
    return;
  }
  res.writeHead(200, {
    "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
    ...extra,
  });
  res.end(readFileSync(file));
}

interface Results {
  mode: string;
  isolated: boolean;
  passed: string[];
  failed: { name: string; error: string }[];
}

async function main(): Promise<number> {
  if (!existsSync(join(ROOT, "npm", "esm", "mod.js"))) {
    throw new Error("Cannot run the browser suite as npm/ is not built");
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Cannot find Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`,
    );
  }
  const { chromium } = await import("playwright-core");
  bundle();
  let failures = 0;
  for (const mode of MODES) {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      serve(res, url.pathname, mode);
    });
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve)
    );
    const { port } = server.address() as { port: number };
    const profile = mkdtempSync(join(tmpdir(), "multipool-chromium-"));
    // A fresh profile each run (launchPersistentContext passes it as
    // --user-data-dir).
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      page.on("console", (message) => errors.push(message.text()));
      page.on(
        "requestfailed",
        (request) => errors.push(`failed ${request.url()}`),
      );
      // The page lives next to tasks.js: its module: "./tasks.js" resolves
      // against the page URL.
      await page.goto(
        `http://127.0.0.1:${port}/tests/browser/index.html?mode=${mode}`,
      );
      await page.waitForFunction(
        () => (globalThis as { __results?: unknown }).__results !== undefined,
        undefined,
        { timeout: 30_000 },
      ).catch(() => {});
      const results = await page.evaluate(() =>
        (globalThis as { __results?: unknown }).__results
      ) as Results | undefined;
      console.log(`\n=== Chromium, ${mode} ===`);
      if (results === undefined) {
        console.log(`FAILED: the suite did not finish ${errors.join("; ")}`);
        failures++;
        continue;
      }
      console.log(`crossOriginIsolated: ${results.isolated}`);
      for (const name of results.passed) console.log(`ok    ${name}`);
      for (const { name, error } of results.failed) {
        console.log(`FAIL  ${name}: ${error}`);
      }
      failures += results.failed.length;
    } finally {
      await context.close();
      server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }
  rmSync(BUNDLE, { recursive: true, force: true });
  return failures;
}

main().then((failures) => {
  if (failures > 0) {
    console.error(`\ntest_browser: ${failures} failed`);
    process.exit(1);
  }
  console.log("\ntest_browser: all passed");
}, (error) => {
  console.error(`\ntest_browser: ${(error as Error).message}`);
  process.exit(1);
});
