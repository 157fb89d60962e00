// The same job over the JSON lines on stdin, in one process: GNU parallel --pipe runs one per
// block of input, and alone it is the serial baseline.
import { createInterface } from "node:readline";
import { square } from "./square.mjs";
let out = "";
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim() === "") continue;
  out += `${JSON.stringify(square(JSON.parse(line)))}\n`;
  if (out.length > 65536) {
    process.stdout.write(out);
    out = "";
  }
}
process.stdout.write(out);
