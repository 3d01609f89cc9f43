// A pooledMap-style concurrency limiter, as in Deno's std/async (MIT): at
// most `limit` calls of `fn` run at once; results stream out in input order
// through a TransformStream.

/** Map `items` through `fn`, at most `limit` at a time, yielding results in order. */
export function pooledMap<T, R>(
  limit: number,
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T) => Promise<R> | R,
): AsyncIterableIterator<R> {
  const results = new TransformStream<Promise<R>, R>({
    async transform(promise, controller): Promise<void> {
      controller.enqueue(await promise);
    },
  });
  (async (): Promise<void> => {
    const writer = results.writable.getWriter();
    const executing: Array<Promise<unknown>> = [];
    try {
      for await (const item of items) {
        const p = Promise.resolve().then(() => fn(item));
        writer.write(p);
        const e: Promise<unknown> = p.then(() =>
          executing.splice(executing.indexOf(e), 1)
        );
        executing.push(e);
        if (executing.length >= limit) await Promise.race(executing);
      }
      await Promise.all(executing);
      writer.close();
    } catch (error) {
      writer.abort(error);
    }
  })();
  // deno-lint-ignore no-explicit-any
  return (results.readable as any)[Symbol.asyncIterator]();
}

/** Collect `pooledMap` into an array. */
export async function pooledMapAll<T, R>(
  limit: number,
  items: Iterable<T>,
  fn: (item: T) => Promise<R> | R,
): Promise<R[]> {
  const out: R[] = [];
  for await (const value of pooledMap(limit, items, fn)) out.push(value);
  return out;
}
