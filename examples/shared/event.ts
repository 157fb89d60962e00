// Workers block until the parent sets an Event.
// Run: node --import tsx examples/shared/event.ts
import * as mp from "multiproc";

const go = new mp.Event();
await using pool = new mp.Pool(2);
const started = pool.map(async (e: mp.Event) => ((await e.wait(5)) ? "released" : "timed out"), [go, go], { chunksize: 1 });
setTimeout(() => go.set(), 300);
console.log(await started); // [ 'released', 'released' ]
