// How fast a Queue is between the parent and one worker, on each context: the round-trip
// latency of one small item (parent put -> worker get -> worker put -> parent get), and the
// items per second of a one-way stream. Run: node --import tsx examples/shared/queue-roundtrip.ts
import * as mp from "multiproc";

function echo(input: mp.Queue<unknown>, output: mp.Queue<unknown>) {
  for (;;) {
    const item = input.getSync();
    output.putSync(item);
    if (item === null) return;
  }
}

function drain(input: mp.Queue<unknown>, output: mp.Queue<unknown>) {
  let n = 0;
  while (input.getSync() !== null) n++;
  output.putSync(n);
}

for (const name of mp.getAllStartMethods()) {
  const ctx = mp.getContext(name);
  const input = new ctx.Queue<unknown>();
  const output = new ctx.Queue<unknown>();

  const echoer = new ctx.Process({ target: echo, args: [input, output] });
  echoer.start();
  await input.put(0);
  await output.get(); // warm up: the worker has started
  const rounds = 5000;
  let t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    await input.put(i);
    await output.get();
  }
  const asyncUs = ((performance.now() - t0) * 1000) / rounds;
  t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    input.putSync(i);
    output.getSync();
  }
  const syncUs = ((performance.now() - t0) * 1000) / rounds;
  await input.put(null);
  await output.get();
  await echoer.join();

  const drainer = new ctx.Process({ target: drain, args: [input, output] });
  drainer.start();
  const items = 200_000;
  t0 = performance.now();
  for (let i = 0; i < items; i++) await input.put({ i, tag: "item" });
  await input.put(null);
  const got = (await output.get()) as number;
  const perSec = (got / (performance.now() - t0)) * 1000;
  await drainer.join();

  console.log(
    `${name.padEnd(7)} round trip: ${asyncUs.toFixed(1)} us with get/put (Promises), ${syncUs.toFixed(1)} us with getSync/putSync; ` +
      `stream: ${Math.round(perSec).toLocaleString("en")} items/s`,
  );
}
