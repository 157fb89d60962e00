// Ping-pong over a Pipe between the parent and a Process, then EOFError once the child has
// closed its end. Run: node --import tsx examples/shared/pipe-ping-pong.ts [thread]
import * as mp from "multiproc";

const ctx = mp.getContext((process.argv[2] as mp.ContextName | undefined) ?? "process");

function pong(conn: mp.Connection<string>) {
  // A worker may block: recvSync/sendSync wait without an event loop turn.
  for (let msg = conn.recvSync(); msg !== "bye"; msg = conn.recvSync()) conn.sendSync(msg.replace("ping", "pong"));
  conn.close();
}

const [here, there] = ctx.Pipe<string>();
const child = new ctx.Process({ target: pong, args: [there] });
child.start();
there.close(); // the parent's copy of the child's end, as in Python: the child keeps its own
for (let i = 1; i <= 3; i++) {
  await here.send(`ping ${i}`);
  console.log(await here.recv());
}
await here.send("bye");
await child.join();
try {
  await here.recv();
} catch (e) {
  console.log(`${(e as Error).name}: ${(e as Error).message}`);
}
