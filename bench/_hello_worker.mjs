// The start-up floor: a bare worker, plain JavaScript, that posts one message
// as soon as it runs. Nothing else.
import { parentPort } from "node:worker_threads";

if (typeof globalThis.postMessage === "function") {
  globalThis.postMessage("ready");
} else {
  parentPort.postMessage("ready");
}
