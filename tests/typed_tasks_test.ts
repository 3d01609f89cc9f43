// Typed task modules: `new Pool<typeof import("./tasks.ts")>({ module })`
// checks calls by task name and types their results. The `@ts-expect-error`
// lines are the compile-time tests: `deno test`/`deno check` and `tsc` (the
// npm suite, scripts/test_npm.ts) fail if any of them compiles cleanly. The
// runtime assertions check the same calls give those values.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { AsyncResult, IMapIterator } from "../mod.ts";
import { pools } from "./_pools.ts";
import { collect, tasksUrl } from "./_helpers.ts";

type Tasks = typeof import("./testdata/tasks.ts");

/** `true` when `X` and `Y` are the same type. */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends
  (<T>() => T extends Y ? 1 : 2) ? true : false;

/** Compiles only for `true`. */
function typeIs<T extends true>(_proof?: T): void {}

for (const PoolClass of pools) {
  describe(`${PoolClass.name} typed by its task module`, () => {
    test("calls by task name are typed by the module's exports", async () => {
      const pool = new PoolClass<Tasks>({ processes: 2, module: tasksUrl });
      try {
        const square = pool.apply("sqr", [3]);
        typeIs<Equal<typeof square, Promise<number>>>();
        assert.equal(await square, 9);

        const sum = pool.apply("add", [1, 2]);
        typeIs<Equal<typeof sum, Promise<number>>>();
        assert.equal(await sum, 3);

        const squares = pool.map("sqr", [1, 2, 3]);
        typeIs<Equal<typeof squares, Promise<number[]>>>();
        assert.deepEqual(await squares, [1, 4, 9]);

        // An async export: its promise is awaited.
        const asyncSquares = pool.map("sqrAsync", [4]);
        typeIs<Equal<typeof asyncSquares, Promise<number[]>>>();
        assert.deepEqual(await asyncSquares, [16]);

        const sums = pool.starmap("add", [[1, 2], [3, 4]]);
        typeIs<Equal<typeof sums, Promise<number[]>>>();
        assert.deepEqual(await sums, [3, 7]);

        const later = pool.applyAsync("sqr", [5]);
        typeIs<Equal<typeof later, AsyncResult<number>>>();
        assert.equal(await later, 25);

        const mapped = pool.mapAsync("sqr", [6], {
          callback: (values) => typeIs<Equal<typeof values, number[]>>(),
        });
        typeIs<Equal<typeof mapped, AsyncResult<number[]>>>();
        assert.deepEqual(await mapped, [36]);

        const lazy = pool.imap("sqr", [7]);
        typeIs<Equal<typeof lazy, IMapIterator<number>>>();
        assert.deepEqual(await collect(lazy), [49]);
        const unordered = pool.imapUnordered("sqr", [8]);
        typeIs<Equal<typeof unordered, IMapIterator<number>>>();
        assert.deepEqual(await collect(unordered), [64]);

        // Functions work as before next to names.
        const byFunction = pool.apply((a: string) => a.length, ["four"]);
        typeIs<Equal<typeof byFunction, Promise<number>>>();
        assert.equal(await byFunction, 4);
      } finally {
        await pool.terminate();
      }
    });

    test("unknown task names and wrong argument types do not compile", async () => {
      const pool = new PoolClass<Tasks>({ processes: 1, module: tasksUrl });
      try {
        const calls: (() => unknown)[] = [
          // @ts-expect-error: the module exports no `fib`
          () => pool.apply("fib", [30]),
          // @ts-expect-error: PROBE is not a function
          () => pool.apply("PROBE", []),
          // @ts-expect-error: sqr takes a number
          () => pool.apply("sqr", ["3"]),
          // @ts-expect-error: add takes two numbers
          () => pool.apply("add", [1, "2"]),
          // @ts-expect-error: the module exports no `fib`
          () => pool.map("fib", [1, 2]),
          // @ts-expect-error: sqr takes numbers
          () => pool.map("sqr", ["a", "b"]),
          // @ts-expect-error: add's items are [number, number]
          () => pool.starmap("add", [["1", 2]]),
          // @ts-expect-error: the module exports no `fib`
          () => pool.imap("fib", [1]),
        ];
        // They also fail at run time (unknown names reject with TypeError).
        await assert.rejects(calls[0]() as Promise<unknown>, TypeError);
        await assert.rejects(calls[4]() as Promise<unknown>, TypeError);
        const value = await pool.apply("sqr", [2]);
        // @ts-expect-error: the result of sqr is a number, not a string
        const text: string = value;
        assert.equal(text, 4);
      } finally {
        await pool.terminate();
      }
    });

    test("without the type parameter any name is accepted and typed unknown", async () => {
      const pool = new PoolClass({ processes: 1, module: tasksUrl });
      try {
        const square = pool.apply("sqr", [3]);
        typeIs<Equal<typeof square, Promise<unknown>>>();
        assert.equal(await square, 9);
        const squares = pool.map("sqr", [1, 2]);
        typeIs<Equal<typeof squares, Promise<unknown[]>>>();
        assert.deepEqual(await squares, [1, 4]);
        const byFunction = pool.map((x: number) => x > 1, [1, 2]);
        typeIs<Equal<typeof byFunction, Promise<boolean[]>>>();
        assert.deepEqual(await byFunction, [false, true]);
      } finally {
        await pool.terminate();
      }
    });
  });
}
