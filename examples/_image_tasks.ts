// The task module of typed_arrays.ts: image work on typed arrays.

/** A band of rows of a grayscale image, one byte per pixel. */
export interface Band {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

/**
 * Halves a band in both directions: each output pixel is the mean of a 2 × 2
 * block (width and height must be even).
 */
export function downscale({ width, height, pixels }: Band): Band {
  const w = width / 2, h = height / 2;
  const out = new Uint8ClampedArray(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * width + 2 * x;
      out[y * w + x] = (pixels[i] + pixels[i + 1] + pixels[i + width] +
        pixels[i + width + 1] + 2) >> 2;
    }
  }
  return { width: w, height: h, pixels: out };
}
