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
//
//   node scripts/test_browser.ts          (after `npm run build`; Node 24)
import { createServer, type ServerResponse } from "node:http";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const MODES = ["isolated", "plain", "csp"] as const;
type Mode = typeof MODES[number];

const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".html": "text/html",
  ".json": "application/json",
};

function headers(mode: Mode): Record<string, string> {
  if (mode === "isolated") {
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

const PAGE = `<!doctype html><meta charset="utf-8"><title>multipool</title>` +
  `<script type="module" src="/tests/browser/suite.js"></script>`;

// Serves npm/ under /npm/ and tests/browser/ under /tests/browser/.
function serve(res: ServerResponse, path: string, mode: Mode): void {
  const extra = headers(mode);
  if (path === "/tests/browser/index.html") {
    res.writeHead(200, { "Content-Type": "text/html", ...extra });
    res.end(PAGE);
    return;
  }
  const file = normalize(join(ROOT, decodeURIComponent(path)));
  const allowed = [join(ROOT, "npm"), join(ROOT, "tests", "browser")];
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
      // The page lives next to tasks.js: its module: "./tasks.js" resolves
      // against the page URL.
      await page.goto(
        `http://127.0.0.1:${port}/tests/browser/index.html?mode=${mode}`,
      );
      await page.waitForFunction(
        () => (globalThis as { __results?: unknown }).__results !== undefined,
        undefined,
        { timeout: 120_000 },
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
