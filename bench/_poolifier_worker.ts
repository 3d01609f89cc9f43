// poolifier's worker script (used only when poolifier is installed): registers
// the shared tasks by name. Imported by a variable name, as poolifier is an
// optional peer and not a devDependency.
import { fib, square } from "./_tasks.ts";

const name = "poolifier";
const { ThreadWorker } = await import(name);

export default new ThreadWorker({ square, fib });
