// Run as a child process by tests/pool_test.ts: uses a Pool and never closes
// it. The process must still exit by itself once the work is done.
import { Pool } from "../../mod.ts";

const pool = new Pool(2);
const squares = await pool.map((x: number) => x * x, [1, 2, 3, 4]);
console.log(JSON.stringify(squares));
