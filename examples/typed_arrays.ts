/**
 * Typed-array work with `transfer`: downscaling an image in bands on worker
 * threads.
 *
 * Shows: `map(fn, items, { transfer: (item) => [buffer] })` moves each band's
 * `ArrayBuffer` to a worker instead of copying it (`apply` takes
 * `{ transfer: [buffer] }`); the sender's copy is detached, its `byteLength`
 * becomes 0. Results come back structured-cloned, and
 * `await using` closes and joins the pool at the end of the block. It makes a
 * 2048 × 1536 grayscale gradient, halves it in 16 bands, and checks the result
 * against the same work done on this thread.
 *
 * Needs Node >= 24 (`await using` is a SyntaxError on Node 22), Deno 2 or Bun.
 *
 * ```sh
 * deno run -A examples/typed_arrays.ts
 * node examples/typed_arrays.ts          # Node >= 24
 * bun examples/typed_arrays.ts
 * ```
 *
 * In your own project import from `"multipool"` (npm) or
 * `"@multipool/multipool"` (jsr) instead of `"../mod.ts"`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Pool } from "../mod.ts";
import { type Band, downscale } from "./_image_tasks.ts";

const WIDTH = 2048, HEIGHT = 1536, BANDS = 16;
const image = new Uint8ClampedArray(WIDTH * HEIGHT);
for (let y = 0; y < HEIGHT; y++) {
  for (let x = 0; x < WIDTH; x++) {
    image[y * WIDTH + x] = (x ^ y) + ((x * y) >> 6);
  }
}

// Each band gets an ArrayBuffer of its own (`slice` copies): a transfer moves
// a whole buffer, so bands that were views of one image could not all go.
const rows = HEIGHT / BANDS;
const bands: Band[] = Array.from({ length: BANDS }, (_, i) => ({
  width: WIDTH,
  height: rows,
  pixels: image.slice(i * rows * WIDTH, (i + 1) * rows * WIDTH),
}));

let halves: Band[];
{
  // `downscale` is an export of the task module: sent by reference.
  await using pool = new Pool({
    processes: 2,
    module: new URL("./_image_tasks.ts", import.meta.url),
  });
  // `transfer` names, for each item, the buffers to move with it.
  halves = await pool.map(downscale, bands, {
    transfer: (band) => [band.pixels.buffer],
  });
} // close() and join() here

// Moved, not copied: this thread's bands are now empty.
assert.ok(bands.every((band) => band.pixels.byteLength === 0));

const result = new Uint8ClampedArray((WIDTH / 2) * (HEIGHT / 2));
halves.forEach((half, i) => result.set(half.pixels, i * half.pixels.length));
const expected = downscale({ width: WIDTH, height: HEIGHT, pixels: image });
assert.deepEqual(result, expected.pixels);
console.log(
  `downscaled ${WIDTH} × ${HEIGHT} to ${WIDTH / 2} × ${HEIGHT / 2} in ` +
    `${BANDS} transferred bands; the bands left behind are detached ` +
    `(byteLength 0) and the result matches this thread's`,
);
