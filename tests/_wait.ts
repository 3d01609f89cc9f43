// Waiting in the suite, for files that must not load the task module or an
// adapter (tests/_cluster.ts): tests/_helpers.ts re-exports both.

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `check()` holds; rejects after `timeout` ms. */
export async function until(
  what: string,
  check: () => boolean,
  timeout = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Never happened: ${what}`);
    await sleep(5);
  }
}
