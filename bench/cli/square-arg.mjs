// The same job for GNU parallel and xargs -P, one process per item: the JSON line is argv[2].
import { square } from "./square.mjs";
process.stdout.write(`${JSON.stringify(square(JSON.parse(process.argv[2])))}\n`);
