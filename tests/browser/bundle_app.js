// A small app bundled with esbuild for the browser by scripts/test_browser.ts
// (the worker entry bundled beside it as _worker.js): Pool.map must work.
import { Pool } from "multipool";

const pool = new Pool(2);
try {
  const squares = await pool.map((x) => x * x, [1, 2, 3, 4, 5, 6], 1);
  const ok = JSON.stringify(squares) === "[1,4,9,16,25,36]";
  globalThis.__results = {
    mode: "bundle",
    isolated: globalThis.crossOriginIsolated,
    passed: ok ? ["esbuild bundle: Pool.map"] : [],
    failed: ok ? [] : [{
      name: "esbuild bundle: Pool.map",
      error: JSON.stringify(squares),
    }],
  };
} catch (error) {
  globalThis.__results = {
    mode: "bundle",
    isolated: globalThis.crossOriginIsolated,
    passed: [],
    failed: [{ name: "esbuild bundle: Pool.map", error: String(error) }],
  };
} finally {
  await pool.terminate();
}
