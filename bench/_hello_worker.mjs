// The start-up floor: a bare worker, plain JavaScript, that posts one message
// as soon as it runs (and listens, so that it stays alive until terminated).
// Nothing else; node:worker_threads is imported only where there is no
// global postMessage (Node).

if (typeof globalThis.postMessage === "function") {
  globalThis.onmessage = () => {};
  globalThis.postMessage("ready");
} else {
  const { parentPort } = await import("node:worker_threads");
  parentPort.on("message", () => {});
  parentPort.postMessage("ready");
}
