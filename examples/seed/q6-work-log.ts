// Q6: a pool of 4 workers, each printing its own item and waiting its own time.
// Python: p = mp.Pool(4); p.map(work_log, work).
import * as mp from "multiproc";

async function workLog(workData: [string, number]) {
  console.log(` Process ${workData[0]} waiting ${workData[1]} seconds`);
  await new Promise((resolve) => setTimeout(resolve, workData[1] * 1000 * Number(process.env.SEED_TIME_SCALE ?? 1)));
  console.log(` Process ${workData[0]} Finished.`);
}

const work: [string, number][] = [["A", 5], ["B", 2], ["C", 1], ["D", 3]];
const p = new mp.Pool(4);
await p.map(workLog, work);
// As in Python, the program ends here without closing the pool: idle workers don't keep it alive.
