// The task module of hash_files.ts: imported once by every worker of the Pool.
// A task module is an ordinary module; its exports are the tasks, called by
// reference, so they may import what they need (here node:crypto and node:fs).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The file's size and SHA-256 (hex), read as a stream in the worker. */
export async function sha256File(
  path: string,
): Promise<{ path: string; bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Uint8Array);
    bytes += (chunk as Uint8Array).byteLength;
  }
  return { path, bytes, sha256: hash.digest("hex") };
}
