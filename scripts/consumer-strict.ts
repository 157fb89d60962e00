// A user's strict TypeScript file, type-checked by scripts/check-package.mjs and
// scripts/check-types.mjs against the published .d.ts files (never run).
import * as mp from "multiproc";
import { Listener } from "multiproc/connection";

export async function main(): Promise<number[]> {
  await using pool = new mp.Pool({ processes: 2, context: "thread" });
  const squares: number[] = await pool.map((n: number) => n * n, [1, 2, 3]);
  const q = new mp.Queue<string>();
  await q.put("a");
  const item: string = await q.get();
  const lock = new mp.Lock();
  await using held = await lock.hold();
  const value = new mp.Value("d", 1.5);
  value.value += 1;
  const tasks = mp.tasksFrom<{ double(n: number): number }>(new URL("./tasks.js", import.meta.url));
  const doubled: number[] = await pool.map(tasks.double, squares);
  // @ts-expect-error: a string is not a number
  await pool.map(tasks.double, ["x"]);
  const listener: mp.connection.Listener | undefined = undefined as Listener | undefined;
  void listener;
  void item;
  void held;
  return doubled;
}
