// `npm test`: every stage of the release check, two at a time (the CI
// machine has 2 cores and the suites spend much of their time waiting on
// workers, timers and child processes). A stage starts once the stages it
// needs passed; each stage's output is printed whole when it ends, and a
// summary of every stage's time closes the run. Any failed stage fails it.
//
//   deno run -A scripts/test_all.ts [--jobs=N] [stage ...]   (default: all)
//
// --jobs=1 (or MULTIPOOL_TEST_JOBS=1) runs the stages one after another.
import { spawn } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { bin, findNode, ROOT } from "./_tools.ts";

interface Stage {
  name: string;
  command: () => [string, string[]];
  /** Stages that must pass first. */
  needs?: string[];
}

const deno = (...args: string[]) => (): [string, string[]] => [
  bin("deno"),
  args,
];
const script = (path: string, ...args: string[]) =>
  deno("run", "-A", path, ...args);
const variant = (name: string, runtime: string) =>
  script("scripts/test_variants.ts", name, runtime);
const npmSuite = (runtime: string) => ({
  name: `npm:${runtime}`,
  command: script("scripts/test_npm.ts", "--no-compile", runtime),
  needs: ["npm:compile"],
});

const NODE_SUITE = ["--test", "--test-timeout=60000", "tests/**/*_test.ts"];
/** In start order when free to start: the longest first. */
const STAGES: Stage[] = [
  { name: "build", command: script("scripts/build_npm.ts") },
  { name: "node24", command: () => [findNode(24), NODE_SUITE] },
  {
    name: "npm:compile",
    command: script("scripts/test_npm.ts", "--compile-only"),
    needs: ["build"],
  },
  { name: "node26", command: () => [findNode(26), NODE_SUITE] },
  npmSuite("node22"),
  npmSuite("node24"),
  npmSuite("node26"),
  { name: "process:node", command: variant("process", "node") },
  {
    name: "no-shared-memory:node",
    command: variant("no-shared-memory", "node"),
  },
  {
    name: "deno",
    command: deno(
      "test",
      "-A",
      "--no-check",
      "--doc",
      "tests/",
      "mod.ts",
      "task.ts",
      "src/",
      "adapters/",
    ),
  },
  { name: "process:deno", command: variant("process", "deno") },
  {
    name: "no-shared-memory:deno",
    command: variant("no-shared-memory", "deno"),
  },
  { name: "web:deno", command: variant("web", "deno") },
  {
    name: "bun",
    command: () => [bin("bun"), ["test", "--timeout", "30000", "./tests/"]],
  },
  npmSuite("bun"),
  { name: "process:bun", command: variant("process", "bun") },
  { name: "no-shared-memory:bun", command: variant("no-shared-memory", "bun") },
  { name: "web:bun", command: variant("web", "bun") },
  {
    name: "examples",
    command: script("scripts/run_examples.ts"),
    needs: ["build"],
  },
  { name: "smoke", command: script("scripts/smoke_pack.ts"), needs: ["build"] },
  {
    name: "bundle",
    command: script("scripts/test_bundle.ts"),
    needs: ["build"],
  },
  {
    name: "browser",
    command: () => [findNode(24), ["scripts/test_browser.ts"]],
    needs: ["build"],
  },
  { name: "bench:smoke", command: () => ["npm", ["run", "bench:smoke"]] },
  { name: "docs", command: script("scripts/docs.ts") },
  { name: "check", command: script("scripts/check.ts"), needs: ["build"] },
];

interface Outcome {
  code: number;
  seconds: number;
}

/** Runs one stage with its output in a file; prints it whole at the end. */
function runStage(stage: Stage, logDir: string): Promise<Outcome> {
  const log = join(logDir, stage.name.replace(/[^\w.-]/g, "_") + ".log");
  const fd = openSync(log, "w");
  const started = Date.now();
  return new Promise((resolve) => {
    let child;
    try {
      const [command, args] = stage.command();
      child = spawn(command, args, {
        cwd: ROOT,
        stdio: ["ignore", fd, fd],
      });
    } catch (error) {
      closeSync(fd);
      console.error(`${stage.name}: ${(error as Error).message}`);
      resolve({ code: 1, seconds: 0 });
      return;
    }
    child.on("error", (error) => console.error(`${stage.name}: ${error}`));
    child.on("close", (code, signal) => {
      closeSync(fd);
      const seconds = (Date.now() - started) / 1000;
      const ok = code === 0;
      console.log(
        `\n===== ${stage.name}: ${ok ? "ok" : "FAILED"} in ${
          seconds.toFixed(1)
        }s =====`,
      );
      console.log(readFileSync(log, "utf8"));
      resolve({ code: code ?? (signal ? 128 : 1), seconds });
    });
  });
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const jobsArg = argv.find((a) => a.startsWith("--jobs="))?.slice(7) ??
    process.env.MULTIPOOL_TEST_JOBS ?? "2";
  const jobs = Number(jobsArg);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new Error(
      `--jobs must be a positive integer: current value is ${jobsArg}`,
    );
  }
  const names = argv.filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !STAGES.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown stage '${unknown[0]}': stages are ${
        STAGES.map((s) => s.name).join(", ")
      }`,
    );
  }
  const wanted = STAGES.filter((s) =>
    names.length === 0 || names.includes(s.name)
  );
  const logDir = mkdtempSync(join(tmpdir(), "multipool-test-"));
  const outcomes = new Map<string, Outcome>();
  const waiting = [...wanted];
  const running = new Set<Promise<void>>();
  const began = Date.now();
  // Needs outside the stages asked for are taken as done (npm/ built).
  const asked = new Set(wanted.map((s) => s.name));
  const needs = (s: Stage) => (s.needs ?? []).filter((n) => asked.has(n));
  const blocked = (s: Stage) =>
    needs(s).some((n) => (outcomes.get(n)?.code ?? 0) !== 0);
  const ready = (s: Stage) =>
    needs(s).every((n) => outcomes.get(n)?.code === 0);
  while (waiting.length > 0 || running.size > 0) {
    for (const stage of waiting.filter(blocked)) {
      waiting.splice(waiting.indexOf(stage), 1);
      console.log(`\n===== ${stage.name}: SKIPPED (needs ${stage.needs})`);
      outcomes.set(stage.name, { code: 1, seconds: 0 });
    }
    while (running.size < jobs) {
      const stage = waiting.find(ready);
      if (!stage) break;
      waiting.splice(waiting.indexOf(stage), 1);
      console.log(`[npm test] ${stage.name} started`);
      const done: Promise<void> = runStage(stage, logDir).then((outcome) => {
        outcomes.set(stage.name, outcome);
        running.delete(done);
      });
      running.add(done);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  const total = (Date.now() - began) / 1000;
  console.log(
    `\n===== npm test: ${wanted.length} stages, ${jobs} at a time, ${
      total.toFixed(0)
    }s =====`,
  );
  let failed = 0;
  for (const stage of wanted) {
    const o = outcomes.get(stage.name);
    const ok = o?.code === 0;
    if (!ok) failed++;
    console.log(
      `  ${stage.name.padEnd(24)} ${ok ? "ok    " : "FAILED"} ${
        (o?.seconds ?? 0).toFixed(1).padStart(7)
      }s`,
    );
  }
  rmSync(logDir, { recursive: true, force: true });
  return failed === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`\ntest_all: ${(error as Error).message}`);
  process.exitCode = 1;
}
