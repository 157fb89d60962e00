// Q5: a pool of 5 workers squares 9 numbers, each taking 2 s: 5 run at once, then 4.
// Python: with mp.Pool(5) as pool: out = pool.map(square, [...]).
import * as mp from "multiproc";

async function square(n: number) {
  // time.sleep(2), scaled by SEED_TIME_SCALE so the tests can run it quickly
  await new Promise((resolve) => setTimeout(resolve, 2000 * Number(process.env.SEED_TIME_SCALE ?? 1)));
  const res = n ** 2;
  process.stdout.write(`${res} `); // print(res, end=' ')
  return res;
}

{
  await using pool = new mp.Pool(5);
  const out = await pool.map(square, [3, 4, 5, 6, 6, 7, 87, 8, 8]);
  console.log(out);
}
// [ 9, 16, 25, 36, 36, 49, 7569, 64, 64 ]
