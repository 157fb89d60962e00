// multiproc's echo server for `npm run bench -- --connection`, run as plain JavaScript on dist/:
//   node echo-server.mjs inet|unix   prints the address (port or path), echoes one connection
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as mp from "multiproc";

const family = process.argv[2];
const address = family === "inet" ? ["127.0.0.1", 0] : join(tmpdir(), `mp-bench-node-${process.pid}`);
const listener = await mp.connection.Listener(address, { authkey: "bench-connection" });
console.log(family === "inet" ? listener.address[1] : listener.address);
const conn = await listener.accept();
try {
  for (;;) await conn.sendBytes(await conn.recvBytes());
} catch (error) {
  if (!(error instanceof mp.EOFError)) throw error;
}
await listener.close();
