// Q3: two processes, each sleeping, started together: the program takes one sleep, not two.
// Python: mp.Process(target=task1, args=(3,)), p.start(), p.join().
import * as mp from "multiproc";

async function task1(sleepSec: number) {
  console.log(`Sleeping for ${sleepSec} seconds`);
  await new Promise((resolve) => setTimeout(resolve, sleepSec * 1000)); // time.sleep(sleep_sec)
  console.log(`Finished sleeping: ${sleepSec}`);
}

// SEED_TIME_SCALE lets the tests run this quickly.
const sleepSec = Math.round(3000 * Number(process.env.SEED_TIME_SCALE ?? 1)) / 1000;

const startTime = performance.now();
const p1 = new mp.Process({ target: task1, args: [sleepSec] });
const p2 = new mp.Process({ target: task1, args: [sleepSec] });
p1.start();
p2.start();
await p1.join();
await p2.join();
const finishTime = performance.now();
console.log(`Program finished in ${((finishTime - startTime) / 1000).toFixed(3)} seconds`);
