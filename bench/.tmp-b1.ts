import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import * as mp from "multiproc";
const size = Number(process.argv[2] ?? 65536), n = Number(process.argv[3] ?? 2000), fam = process.argv[4] ?? "unix";
const child = spawn(process.execPath, ["/work/wt/conn11/bench/connection/echo-server.mjs", fam], { stdio: ["ignore", "pipe", "inherit"] });
const rl = createInterface({ input: child.stdout! });
let address = ""; for await (const l of rl) { address = l; break; }
const conn = await mp.connection.Client(/^\d+$/.test(address) ? ["127.0.0.1", Number(address)] : address, { authkey: "bench-connection" });
const p = Buffer.alloc(size, 1);
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { await conn.sendBytes(p); await conn.recvBytes(); }
  console.log(fam, size, Math.round(n / ((performance.now() - t0) / 1000)), "rt/s");
}
conn.close();
