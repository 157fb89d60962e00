import * as mp from "multiproc";
const pool = new mp.Pool({ processes: 2, context: "thread" });
console.log(await pool.map((n) => n * n, [1, 2, 3]));
pool.close();
console.log("closed");
await pool.join();
console.log("joined");
