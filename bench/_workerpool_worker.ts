// workerpool's worker script: registers the shared tasks by name.
import workerpool from "workerpool";
import { fib, square } from "./_tasks.ts";

workerpool.worker({ square, fib });
