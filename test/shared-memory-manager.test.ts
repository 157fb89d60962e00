// SharedMemoryManager: blocks and ShareableLists made through it are unlinked at shutdown,
// and workers reach them meanwhile (Python's docs example: two processes sum halves of a list).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS } from "./helpers.ts";

for (const context of CONTEXTS) {
  describe(`SharedMemoryManager (${context})`, () => {
    it("SharedMemory and ShareableList live until shutdown, then their names are gone", async () => {
      let names: string[];
      {
        await using smm = await new mp.SharedMemoryManager({ context }).start();
        const shm = await smm.SharedMemory(128);
        shm.buf[0] = 7;
        const sl = await smm.ShareableList(Array.from({ length: 2000 }, (_, i) => i));
        names = [shm.name, sl.shm.name];
        for (const n of names) assert.ok(existsSync(`/dev/shm/${n}`));
        // Python's docs example: two processes each work on half of the list, storing results in it.
        const doWork = (sl: mp.ShareableList, start: number, end: number) => {
          for (let i = start; i < end; i++) sl.set(i, (sl.get(i) as number) * 2);
        };
        const p1 = new mp.Process({ context, target: doWork, args: [sl, 0, 1000] });
        const p2 = new mp.Process({ context, target: doWork, args: [sl, 1000, 2000] });
        p1.start();
        p2.start();
        await p1.join();
        await p2.join();
        let total = 0;
        for (const v of sl) total += v as number;
        assert.equal(total, 2 * (1999 * 2000) / 2);
        const reader = new mp.Process({ context, target: (shm: mp.SharedMemory) => { if (shm.buf[0] !== 7) process.exit(3); }, args: [shm] });
        reader.start();
        await reader.join();
        assert.equal(reader.exitCode, 0);
      }
      for (const n of names) assert.equal(existsSync(`/dev/shm/${n}`), false, `${n} unlinked at shutdown`);
    });

    it("asking before start() says so", async () => {
      const smm = new mp.SharedMemoryManager({ context });
      await assert.rejects(smm.SharedMemory(8), /start\(\) it first/);
    });
  });
}
