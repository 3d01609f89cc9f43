// multipool's live demo: `npm run demo` (Deno), or run this file with Node 24 or Bun.
// Every number printed is measured now, on this machine.
import { createServer } from "node:http";
import process from "node:process";
import type { AddressInfo } from "node:net";
import * as multipool from "../mod.ts";
import { ThreadPool } from "../mod.ts";

const sleep = (ms: number): Promise<void> =>
  new Promise((r) => setTimeout(r, ms));
const since = (start: number): string =>
  `${((performance.now() - start) / 1000).toFixed(2)} s`;
const runtime = "Deno" in globalThis
  ? "Deno"
  : "Bun" in globalThis
  ? "Bun"
  : `Node ${
    (globalThis as { process?: { version: string } }).process?.version
  }`;

function heading(text: string): void {
  console.log(`\n== ${text}`);
}

// A local HTTP server whose every answer takes ~100 ms.
async function startServer(): Promise<{ url: string; close: () => void }> {
  const server = createServer((request, response) => {
    setTimeout(() => response.end(`page ${request.url}`), 100);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

async function fetchDemo(): Promise<void> {
  heading("ThreadPool(4): 10 HTTP requests of ~100 ms each");
  const server = await startServer();
  const urls = Array.from({ length: 10 }, (_, i) => `${server.url}/${i}`);
  const download = async (url: string): Promise<number> =>
    (await (await fetch(url)).text()).length;
  let start = performance.now();
  for (const url of urls) await download(url);
  console.log(`one at a time:  ${since(start)}`);
  const pool = new ThreadPool(4);
  start = performance.now();
  const sizes = await pool.map(download, urls);
  console.log(
    `pool.map, 4 at a time: ${
      since(start)
    } (expected ~0.3 s: 3 waves), ${sizes.length} pages`,
  );
  pool.close();
  await pool.join();
  server.close();
}

async function imapDemo(): Promise<void> {
  heading(
    "imap vs imapUnordered for inputs [0, 4, 5, 2] (task sleeps x × 100 ms)",
  );
  const pool = new ThreadPool(4);
  const nap = async (x: number): Promise<number> => {
    await sleep(x * 100);
    return x;
  };
  for (const method of ["imap", "imapUnordered"] as const) {
    const start = performance.now();
    const arrivals: string[] = [];
    for await (const x of pool[method](nap, [0, 4, 5, 2])) {
      arrivals.push(`${x} at ${since(start)}`);
    }
    console.log(`${method.padEnd(13)} ${arrivals.join(", ")}`);
  }
  pool.close();
  await pool.join();
}

async function callbackDemo(): Promise<void> {
  heading("mapAsync with a callback, applyAsync with an errorCallback");
  const pool = new ThreadPool(2);
  const squares = pool.mapAsync((x: number) => x * x, [1, 2, 3, 4], {
    callback: (values) => console.log(`callback got ${JSON.stringify(values)}`),
  });
  console.log(
    `ready right away? ${squares.ready()}; after wait(): ${await squares
      .wait()}`,
  );
  const failing = pool.applyAsync(
    (name: string) => {
      throw new RangeError(`no user named ${name}`);
    },
    ["ada"],
    {
      errorCallback: (error) =>
        console.log(
          `errorCallback got ${(error as Error).name}: ${
            (error as Error).message
          }`,
        ),
    },
  );
  await failing.wait();
  console.log(`successful()? ${failing.successful()}`);
  try {
    await failing.get();
  } catch (error) {
    console.log(`get() rethrows it: ${error instanceof RangeError}`);
  }
  const slow = pool.applyAsync(() => sleep(300).then(() => "done"));
  try {
    await slow.get(50);
  } catch (error) {
    console.log(
      `get(50) on a 300 ms task: ${(error as Error).name}; the task goes on`,
    );
  }
  console.log(`get() again: ${await slow.get()}`);
  pool.close();
  await pool.join();
}

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

async function cpuDemo(): Promise<void> {
  const { Pool } = multipool as Record<string, unknown> as {
    Pool?: typeof ThreadPool;
  };
  if (!Pool) return;
  const workers = 2;
  heading(`Pool(${workers}): 16 × fib(30), CPU-bound`);
  let start = performance.now();
  for (let i = 0; i < 16; i++) fib(30);
  const serial = performance.now() - start;
  console.log(`one thread:   ${(serial / 1000).toFixed(2)} s`);
  const pool = new Pool(workers);
  await pool.map(fib, new Array(workers * 2).fill(25), 1); // start and warm the workers
  start = performance.now();
  await pool.map(fib, new Array(16).fill(30), 1);
  const parallel = performance.now() - start;
  console.log(
    `Pool.map:     ${(parallel / 1000).toFixed(2)} s (speedup ${
      (serial / parallel).toFixed(2)
    }×)`,
  );
  pool.close();
  await pool.join();
}

// A terminal progress bar, redrawn in place: `[#####.....]  24/48`.
function progressBar(total: number): { tick(): void; end(): void } {
  const width = 30;
  const tty = Boolean(process.stdout.isTTY);
  let done = 0;
  const draw = (): void => {
    const filled = Math.round((done / total) * width);
    process.stdout.write(
      `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${
        String(done).padStart(String(total).length)
      }/${total}`,
    );
  };
  if (tty) draw();
  return {
    tick: () => {
      done++;
      if (tty) draw();
    },
    end: () => {
      if (!tty) draw();
      process.stdout.write("\n");
    },
  };
}

async function progressDemo(): Promise<void> {
  const { Pool } = multipool as Record<string, unknown> as {
    Pool?: typeof ThreadPool;
  };
  if (!Pool) return;
  const items = new Array(48).fill(27);
  heading(`Pool(2).map over ${items.length} × fib(27), with onProgress`);
  const module = new URL(
    `./_demo_tasks.${import.meta.url.endsWith(".js") ? "js" : "ts"}`,
    import.meta.url,
  );
  const pool = new Pool({ processes: 2, module });
  const bar = progressBar(items.length);
  const start = performance.now();
  // Each task calls progress(1) as it finishes: onProgress runs here, in the
  // caller, before map() settles.
  const values = await pool.map("fibReported", items, {
    chunkSize: 1,
    onProgress: () => bar.tick(),
  });
  bar.end();
  console.log(`${values.length} values in ${since(start)}`);
  pool.close();
  await pool.join();
}

console.log(`multipool demo on ${runtime}`);
await fetchDemo();
await imapDemo();
await callbackDemo();
await cpuDemo();
await progressDemo();
