#!/usr/bin/env node
/**
 * The `multipool` command: `multipool worker --redis redis://host:6379
 * --cluster NAME --module ./tasks.js [--processes N] [--allow-source]`
 * starts an {@linkcode Agent} that runs a cluster's chunks until SIGINT or
 * SIGTERM (a second signal stops at once).
 *
 * @example Usage
 * ```sh
 * npx multipool worker --redis redis://127.0.0.1:6379 --cluster demo --module ./tasks.js
 * ```
 *
 * @module
 */

import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Agent, type AgentOptions } from "./agent.ts";

const USAGE =
  `Usage: multipool worker --redis URL [--cluster NAME] [--module PATH]
                        [--processes N] [--allow-source]
                        [--lock-duration MS] [--stalled-interval MS]

Runs the chunks of every ClusterPool on cluster NAME (default "multipool")
in N worker threads (default: the CPU count). Pools must use a task module
with the same content as --module. Tasks sent as source text run only with
--allow-source: anyone who can write to Redis could otherwise run code here.
Every agent of a cluster must use the same --stalled-interval.`;

function fail(message: string): never {
  console.error(`multipool: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function integer(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    fail(`${flag} must be a positive integer: current value is ${value}`);
  }
  return n;
}

/** Parses the arguments after `worker`. */
export function parseWorkerArgs(args: string[]): AgentOptions {
  const options: Partial<AgentOptions> = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = (): string =>
      inline ?? args[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case "--redis":
        options.redis = value();
        break;
      case "--cluster":
        options.cluster = value();
        break;
      case "--module": {
        const module = value();
        options.module = /^[a-z][a-z0-9+.-]+:/i.test(module)
          ? module
          : pathToFileURL(resolve(module)).href;
        break;
      }
      case "--processes":
        options.processes = integer(flag, value());
        break;
      case "--lock-duration":
        options.lockDuration = integer(flag, value());
        break;
      case "--stalled-interval":
        options.stalledInterval = integer(flag, value());
        break;
      case "--allow-source":
        options.allowSource = true;
        break;
      default:
        fail(`unknown option '${args[i]}'`);
    }
  }
  if (options.redis === undefined) fail("--redis is required");
  return options as AgentOptions;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return;
  }
  if (command !== "worker") fail(`unknown command '${command ?? ""}'`);
  const options = parseWorkerArgs(rest);
  const agent = new Agent(options);
  let signals = 0;
  const stop = (): void => {
    if (++signals > 1) process.exit(130);
    agent.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await agent.start();
  console.log(
    `multipool agent ${agent.id} serving cluster '${
      options.cluster ?? "multipool"
    }' with ${options.processes ?? "CPU count"} threads`,
  );
}

// Run when executed (also through npm's bin link on Node 20, which has no
// import.meta.main), never when imported.
function isMain(): boolean {
  if (typeof import.meta.main === "boolean") return import.meta.main;
  try {
    return realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`multipool: ${(error as Error)?.message ?? error}`);
    process.exit(1);
  });
}
