// Rough numbers for the docs: uncontended acquire/release, and the time for a worker blocked on an
// Event to see set() (round trip: we set, the worker wakes and sets another Event back).
// Run: node --import tsx examples/shared/sync-bench.ts
import * as mp from "multiproc";

for (const context of ["thread", "process"] as const) {
  const ctx = mp.getContext(context);
  const lock = new ctx.Lock();
  const n = 200_000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    lock.acquireSync();
    lock.release();
  }
  const syncNs = ((performance.now() - t0) * 1e6) / n;
  t0 = performance.now();
  for (let i = 0; i < n / 10; i++) {
    await lock.acquire();
    lock.release();
  }
  const asyncNs = ((performance.now() - t0) * 1e6) / (n / 10);

  const ping = new ctx.Event();
  const pong = new ctx.Event();
  const rounds = 200;
  await using pool = new ctx.Pool(1);
  const echo = pool.apply(
    (a: mp.Event, b: mp.Event, k: number) => {
      for (let i = 0; i < k; i++) {
        a.waitSync();
        a.clear();
        b.set();
      }
    },
    [ping, pong, rounds],
  );
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    ping.set();
    await pong.wait();
    pong.clear();
    times.push(performance.now() - s);
  }
  await echo;
  times.sort((x, y) => x - y);
  console.log(
    `${context}: uncontended acquireSync+release ${syncNs.toFixed(0)} ns, await acquire+release ${asyncNs.toFixed(0)} ns; ` +
      `Event round trip to a worker: median ${(times[rounds >> 1]! * 1000).toFixed(0)} us, p90 ${(times[Math.floor(rounds * 0.9)]! * 1000).toFixed(0)} us`,
  );
}
