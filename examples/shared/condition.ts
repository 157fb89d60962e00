// A producer process hands numbers to this consumer through a Condition and a shared Array.
// Run: node --import tsx examples/shared/condition.ts
import * as mp from "multiproc";

const cond = new mp.Condition();
const items = new mp.Array("i", 5, { lock: false });
const produced = new mp.Value("i", 0, { lock: false });

const producer = new mp.Process({
  target: async (c: mp.Condition, xs: mp.Array<"i">, n: mp.Value<"i">) => {
    for (let i = 1; i <= 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await c.withLock(() => {
        xs.set(n.value, i * 10);
        n.value += 1;
        c.notify();
      });
    }
  },
  args: [cond, items, produced],
});
producer.start();

let taken = 0;
await cond.withLock(async () => {
  while (taken < 5) {
    await cond.waitFor(() => produced.value > taken);
    while (taken < produced.value) console.log("got", items.get(taken++));
  }
});
await producer.join();
