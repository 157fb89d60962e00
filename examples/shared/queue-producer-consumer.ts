// A producer and three consumers through one Queue, ended with one null sentinel per consumer,
// as in Python's docs. The consumers are Processes; they get the very same queue (its shared
// memory), not a copy. Run: node --import tsx examples/shared/queue-producer-consumer.ts [thread]
import * as mp from "multiproc";

const ctx = mp.getContext((process.argv[2] as mp.ContextName | undefined) ?? "process");

async function consumer(name: string, tasks: mp.Queue<number | null>, results: mp.Queue<string>) {
  for await (const n of tasks) await results.put(`${name}: ${n} squared is ${n * n}`); // ends at null
}

const tasks = new ctx.Queue<number | null>(10); // bounded: the producer waits when consumers lag
const results = new ctx.Queue<string>();
const workers = ["A", "B", "C"].map((name) => new ctx.Process({ target: consumer, args: [name, tasks, results] }));
for (const w of workers) w.start();

for (let n = 1; n <= 12; n++) await tasks.put(n);
for (const _ of workers) await tasks.put(null);

for (let i = 0; i < 12; i++) console.log(await results.get());
for (const w of workers) await w.join();
