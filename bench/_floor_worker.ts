// The raw floor's worker: replies to each message with the square of the
// number, or of every number of the array, or with fib(n) for `{ fib: n }`.
// Nothing else: no protocol, no ids.

type Post = (message: unknown) => void;

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function reply(data: unknown): unknown {
  if (typeof data === "number") return data * data;
  if (!Array.isArray(data)) return fib((data as { fib: number }).fib);
  const items = data as number[];
  const out = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = items[i] * items[i];
  return out;
}

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
if (
  typeof scope.WorkerGlobalScope === "function" ||
  (typeof scope.self === "object" && typeof scope.postMessage === "function")
) {
  const post: Post = (m) => scope.postMessage(m);
  scope.onmessage = (event: MessageEvent) => post(reply(event.data));
} else {
  const { parentPort } = await import("node:worker_threads");
  parentPort!.on(
    "message",
    (data: unknown) => parentPort!.postMessage(reply(data)),
  );
}
