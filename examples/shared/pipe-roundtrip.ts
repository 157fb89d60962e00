// How fast a Pipe is between the parent and one worker, on each context: the round-trip latency
// of one small message (parent send -> worker recv -> worker send -> parent recv), with Promises
// and with the blocking forms. Run: node --import tsx examples/shared/pipe-roundtrip.ts
import * as mp from "multiproc";

function echo(conn: mp.Connection<unknown>) {
  for (;;) {
    const msg = conn.recvSync();
    conn.sendSync(msg);
    if (msg === null) return;
  }
}

for (const name of mp.getAllStartMethods()) {
  const ctx = mp.getContext(name);
  const [parent, child] = ctx.Pipe<unknown>();
  const echoer = new ctx.Process({ target: echo, args: [child] });
  echoer.start();
  await parent.send(0);
  await parent.recv(); // warm up: the worker has started
  const rounds = 5000;
  let t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    await parent.send(i);
    await parent.recv();
  }
  const asyncUs = ((performance.now() - t0) * 1000) / rounds;
  t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    parent.sendSync(i);
    parent.recvSync();
  }
  const syncUs = ((performance.now() - t0) * 1000) / rounds;
  await parent.send(null);
  await parent.recv();
  await echoer.join();
  console.log(`${name.padEnd(7)} round trip: ${asyncUs.toFixed(1)} us with send/recv (Promises), ${syncUs.toFixed(1)} us with sendSync/recvSync`);
}
