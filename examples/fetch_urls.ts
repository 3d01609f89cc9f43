// Fetching many URLs with a ThreadPool, and stopping requests with taskSignal().
//
// What it shows:
//   1. ThreadPool(8).map() fetches 40 pages from a local server, at most 8 at
//      a time, with a progress line fed by progress() through onProgress.
//   2. A request to a server that never answers is stopped by the call's
//      `timeout`: the task passes taskSignal() to fetch(), so the request
//      itself is aborted (the server sees the connection close), not just
//      abandoned.
//   3. Aborting a call (AbortController) stops its requests in flight the
//      same way.
// Everything runs against a node:http server on 127.0.0.1 started by this
// script, so no network is needed.
//
// Run it:
//   deno run -A examples/fetch_urls.ts
//   node examples/fetch_urls.ts        (Node 24: runs the .ts directly)
//   bun examples/fetch_urls.ts
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { ThreadPool, TimeoutError } from "../mod.ts";
import { progress, taskSignal } from "../task.ts";

// The server: /page/N answers after 20-60 ms; /hang never answers. It counts
// the requests whose client went away before an answer.
let cancelledByClient = 0;
const server = createServer((request: IncomingMessage, response) => {
  if (request.url === "/hang") {
    response.on("close", () => {
      if (!response.writableEnded) cancelledByClient++;
    });
    return;
  }
  const n = Number(request.url?.split("/").pop());
  setTimeout(() => response.end(`page ${n} `.repeat(n + 1)), 20 + (n % 5) * 10);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** A task: fetches `url` with the task's own signal, reports, returns its size. */
async function download(url: string): Promise<number> {
  const response = await fetch(url, { signal: taskSignal() });
  const body = await response.text();
  progress(url);
  return body.length;
}

/** Resolves once the server has counted `n` requests cancelled by the client. */
async function cancelled(n: number): Promise<void> {
  for (let i = 0; i < 500 && cancelledByClient < n; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const pool = new ThreadPool(8);
try {
  // 1. Many pages, at most 8 requests at a time.
  const urls = Array.from({ length: 40 }, (_, i) => `${base}/page/${i}`);
  let done = 0;
  const sizes = await pool.map(download, urls, {
    chunkSize: 1,
    onProgress: () => done++,
  });
  const bytes = sizes.reduce((sum, size) => sum + size, 0);
  console.log(
    `fetched ${sizes.length} pages (${bytes} bytes), progress ${done}/40`,
  );

  // 2. A server that never answers: the timeout aborts the request itself.
  try {
    await pool.apply(download, [`${base}/hang`], { timeout: 200 });
  } catch (error) {
    console.log(`hanging request: ${(error as Error).name}`);
    if (!(error instanceof TimeoutError)) throw error;
  }
  await cancelled(1);
  console.log(
    `server saw ${cancelledByClient} request(s) cancelled by the client`,
  );

  // 3. Aborting a call stops its requests in flight.
  const controller = new AbortController();
  const hanging = pool.map(download, [`${base}/hang`, `${base}/hang`], {
    chunkSize: 1,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(new Error("user cancelled")), 100);
  try {
    await hanging;
  } catch (error) {
    console.log(`aborted call: ${(error as Error).message}`);
  }
  await cancelled(3);
  console.log(
    `server saw ${cancelledByClient} request(s) cancelled by the client`,
  );
} finally {
  pool.close();
  await pool.join();
  server.close();
  server.closeAllConnections();
}
