// BrokenPoolError says which of its three causes happened, with the cause:
// the initializer threw, options.module cannot be imported, or a worker ended
// before it was ready.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BrokenPoolError, ThreadPool } from "../mod.ts";
import { Pool } from "./_pools.ts";

const MISSING = "./no_such_tasks_module.mjs";

describe("BrokenPoolError causes", () => {
  test("a module that cannot be imported is named, resolved, with a hint to use import.meta.url", async () => {
    const pool = new Pool({ processes: 1, module: MISSING });
    try {
      const error = await pool.map((x: number) => x, [1]).then(
        () => assert.fail("map() resolved"),
        (error: unknown) => error as BrokenPoolError,
      );
      assert.ok(error instanceof BrokenPoolError, String(error));
      assert.doesNotMatch(error.message, /initializer/);
      assert.match(
        error.message,
        /module 'file:\/\/\/.*\/no_such_tasks_module\.mjs'/,
      );
      assert.match(error.message, /working directory/);
      assert.match(
        error.message,
        /new URL\("\.\/no_such_tasks_module\.mjs", import\.meta\.url\)/,
      );
      assert.ok(error.cause !== undefined);
      await assert.rejects(pool.apply(Math.abs, [-1]), BrokenPoolError);
    } finally {
      await pool.terminate();
    }
  });

  test("ThreadPool names the resolved module and the hint when it cannot import it", async () => {
    const pool = new ThreadPool({ processes: 1, module: MISSING });
    try {
      await assert.rejects(pool.apply("anything", []), (error: Error) => {
        assert.match(
          error.message,
          /Cannot import the task module 'file:\/\/\/.*\/no_such_tasks_module\.mjs'/,
        );
        assert.match(error.message, /new URL\(/);
        assert.ok(error.cause !== undefined);
        return true;
      });
    } finally {
      await pool.terminate();
    }
  });

  test("a throwing initializer is named as the cause", async () => {
    const pool = new Pool({
      processes: 1,
      initializer: () => {
        throw new Error("no init");
      },
    });
    try {
      await assert.rejects(pool.apply(Math.abs, [-1]), (error: Error) => {
        assert.ok(error instanceof BrokenPoolError);
        assert.match(error.message, /initializer threw/);
        assert.equal((error.cause as Error).message, "no init");
        return true;
      });
    } finally {
      await pool.terminate();
    }
  });

  test("a worker that exits before it is ready is named as the cause, not the initializer", async () => {
    const pool = new Pool({
      processes: 1,
      initializer: () => {
        (globalThis as unknown as { process: { exit(code: number): void } })
          .process.exit(3);
        // Where process.exit does not end a worker at once, wait to be ended.
        return new Promise(() => {});
      },
    });
    try {
      await assert.rejects(pool.apply(Math.abs, [-1]), (error: Error) => {
        assert.ok(error instanceof BrokenPoolError, String(error));
        assert.match(error.message, /worker .* before it was ready/);
        assert.doesNotMatch(error.message, /initializer/);
        return true;
      });
    } finally {
      await pool.terminate();
    }
  });
});
