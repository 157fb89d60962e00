// multiproc's timing client for `npm run bench -- --connection`, run as plain JavaScript on dist/,
// the counterpart of `python3 echo.py client`:
//   node echo-client.mjs ADDRESS SIZE N REPS   N round trips of SIZE bytes, REPS times after a warm-up: JSON ms per rep
import * as mp from "multiproc";

const [address, size, n, reps] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const target = /^\d+$/.test(address) ? ["127.0.0.1", Number(address)] : address;
const conn = await mp.connection.Client(target, { authkey: "bench-connection" });
const payload = Buffer.alloc(size, 0x78);
// Warm-up: n/10 round trips and at least one second (V8 compiles the hot paths of both ends meanwhile).
const warmUntil = performance.now() + 1000;
for (let i = 0; i < n / 10 || performance.now() < warmUntil; i++) {
  await conn.sendBytes(payload);
  await conn.recvBytes();
}
const samples = [];
for (let r = 0; r < reps; r++) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await conn.sendBytes(payload);
    await conn.recvBytes();
  }
  samples.push(performance.now() - t0);
}
conn.close();
console.log(JSON.stringify(samples));
