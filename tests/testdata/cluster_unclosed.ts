// A script that uses a ClusterPool and never closes it: it must exit.
import process from "node:process";
import { ClusterPool } from "../../cluster/mod.ts";

const pool = new ClusterPool({
  redis: process.argv[2],
  cluster: "main",
  module: new URL(
    `./cluster_tasks.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`,
    import.meta.url,
  ),
});
console.log("result", await pool.apply("sqr", [7]));
