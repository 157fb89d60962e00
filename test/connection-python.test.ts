// multiproc's Listener/Client against Python's multiprocessing.connection (python3 on the PATH):
// bytes both ways through the authkey handshake, and a wrong key fails with AuthenticationError
// on both sides. Twice: with the python3's own multiprocessing.connection (3.11 here: the legacy
// HMAC-MD5 challenge), and with CPython 3.13's connection.py (vendored in test/fixtures/python,
// loaded as multiprocessing.connection on the same python3), which speaks Python 3.12+'s
// digest-named challenge ("{sha256}..."); there the Python side also reports which digest each
// handshake used, so the test sees that the modern form was spoken, not the legacy fallback.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import * as mp from "multiproc";
import { track } from "./helpers.ts";

const VENDORED = new URL("./fixtures/python/cpython313_connection.py", import.meta.url).pathname;

interface Flavor {
  name: string;
  /** Python run before the test's own code. */
  prelude: string;
  /** Whether the Python side reports each handshake's digest on stderr ("answered {sha256}", "checked {sha256}"). */
  reports: boolean;
}

const flavors: Flavor[] = [
  { name: "python3's own multiprocessing.connection", prelude: "", reports: false },
  {
    name: "CPython 3.13's connection.py (digest-named handshake)",
    // Loaded as multiprocessing.connection (its relative imports need the package), and its two
    // handshake functions wrapped, unchanged, to report the digest of each answer made or checked.
    prelude: `
import importlib.util, sys, multiprocessing
_spec = importlib.util.spec_from_file_location("multiprocessing.connection", ${JSON.stringify(VENDORED)})
_mod = importlib.util.module_from_spec(_spec)
sys.modules["multiprocessing.connection"] = _mod
_spec.loader.exec_module(_mod)
multiprocessing.connection = _mod
_create, _verify = _mod._create_response, _mod._verify_challenge
def _report(what, response):
    print(what, bytes(response[:response.find(b"}") + 1]).decode("latin1") or "legacy", file=sys.stderr, flush=True)
def _create_response(authkey, message):
    r = _create(authkey, message)
    _report("answered", r)
    return r
def _verify_challenge(authkey, message, response):
    _report("checked", response)
    return _verify(authkey, message, response)
_mod._create_response, _mod._verify_challenge = _create_response, _verify_challenge
`,
    reports: true,
  },
];

/** Runs `source` in python3; killed when test `t` ends (track()) if it still runs. */
function python(t: TestContext, flavor: Flavor, source: string): { child: ChildProcess; lines: AsyncIterator<string>; done: Promise<{ code: number | null; stderr: string }> } {
  const child = track(t, spawn("python3", ["-u", "-c", flavor.prelude + source], { stdio: ["ignore", "pipe", "pipe"] }));
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
  async function* lines() {
    let buffer = "";
    for await (const chunk of child.stdout!) {
      buffer += String(chunk);
      let i;
      while ((i = buffer.indexOf("\n")) >= 0) {
        yield buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
      }
    }
  }
  return { child, lines: lines(), done };
}

/** With a reporting flavor: the Python side answered and/or checked a challenge with HMAC-SHA256, never the legacy MD5. */
function assertDigests(flavor: Flavor, stderr: string, ...steps: ("answered" | "checked")[]): void {
  if (!flavor.reports) return;
  for (const step of steps) assert.match(stderr, new RegExp(`^${step} \\{sha256\\}$`, "m"), stderr);
  assert.doesNotMatch(stderr, /legacy/, stderr);
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const r = await lines.next();
  assert.ok(!r.done, "python printed nothing");
  return r.value;
}

const addresses: { family: string; address: () => mp.connection.Address; py: (a: mp.connection.Address) => string }[] = [
  { family: "AF_INET", address: () => ["127.0.0.1", 0], py: (a) => `("127.0.0.1", ${(a as [string, number])[1]})` },
  { family: "AF_UNIX", address: () => join(tmpdir(), `multiproc-py-${process.pid}-${Math.random().toString(36).slice(2)}`), py: (a) => JSON.stringify(a) },
];

for (const flavor of flavors) for (const { family, address, py } of addresses) {
  describe(`Python interop over ${family}, ${flavor.name}`, () => {
    it("a multiproc Client talks to a Python Listener (send_bytes/recv_bytes, authkey)", async (t) => {
      const bind = family === "AF_INET" ? `("127.0.0.1", 0)` : JSON.stringify(address());
      const { lines, done } = python(t, flavor, `
from multiprocessing.connection import Listener
with Listener(${bind}, authkey=b"py-secret") as l:
    a = l.address
    print(a[1] if isinstance(a, tuple) else a)
    with l.accept() as c:
        while True:
            m = c.recv_bytes()
            if m == b"end":
                break
            c.send_bytes(m[::-1] + b"!")
`);
      const where = await nextLine(lines);
      const target: mp.connection.Address = family === "AF_INET" ? ["127.0.0.1", Number(where)] : where;
      const conn = track(t, await mp.connection.Client(target, { authkey: Buffer.from("py-secret") }));
      await conn.sendBytes(Buffer.from("abc"));
      assert.equal((await conn.recvBytes()).toString(), "cba!");
      const big = Buffer.alloc(1_000_000, 0x61);
      await conn.sendBytes(big);
      assert.equal((await conn.recvBytes()).length, 1_000_001);
      await conn.sendBytes(Buffer.from("end"));
      const { code, stderr } = await done;
      assert.equal(code, 0, stderr);
      assertDigests(flavor, stderr, "checked", "answered");
      await assert.rejects(conn.recvBytes(), mp.EOFError);
      conn.close();
    });

    it("a Python Client talks to a multiproc Listener (send_bytes/recv_bytes, authkey)", async (t) => {
      await using listener = await mp.connection.Listener(address(), { authkey: "py-secret" });
      const { done } = python(t, flavor, `
from multiprocessing.connection import Client
with Client(${py(listener.address)}, authkey=b"py-secret") as c:
    c.send_bytes(b"b" * 100000)  # at once after the handshake, maybe in the same chunk as its last message
    c.send_bytes(b"hello")
    assert c.recv_bytes() == b"HELLO", "upper"
    c.send_bytes(b"xyz" * 1000)
    print("ok")
`);
      const conn = track(t, await listener.accept());
      assert.equal((await conn.recvBytes()).length, 100000);
      assert.equal((await conn.recvBytes()).toString(), "hello");
      await conn.sendBytes(Buffer.from("HELLO"));
      assert.equal((await conn.recvBytes()).length, 3000);
      const { code, stderr } = await done;
      assert.equal(code, 0, stderr);
      assertDigests(flavor, stderr, "answered", "checked");
      conn.close();
    });

    it("a wrong key fails with AuthenticationError on both sides (multiproc Client, Python Listener)", async (t) => {
      const bind = family === "AF_INET" ? `("127.0.0.1", 0)` : JSON.stringify(address());
      const { lines, done } = python(t, flavor, `
from multiprocessing.connection import Listener
from multiprocessing import AuthenticationError
with Listener(${bind}, authkey=b"right") as l:
    a = l.address
    print(a[1] if isinstance(a, tuple) else a)
    try:
        l.accept()
        print("accepted")
    except AuthenticationError as e:
        print("AuthenticationError", e)
`);
      const where = await nextLine(lines);
      const target: mp.connection.Address = family === "AF_INET" ? ["127.0.0.1", Number(where)] : where;
      await assert.rejects(mp.connection.Client(target, { authkey: "wrong" }), mp.AuthenticationError);
      assert.match(await nextLine(lines), /^AuthenticationError/);
      const { code, stderr } = await done;
      assert.equal(code, 0, stderr);
      assertDigests(flavor, stderr, "checked");
    });

    it("a wrong key fails with AuthenticationError on both sides (Python Client, multiproc Listener), which goes on serving", async (t) => {
      await using listener = await mp.connection.Listener(address(), { authkey: "right" });
      const { lines, done } = python(t, flavor, `
from multiprocessing.connection import Client
from multiprocessing import AuthenticationError
try:
    Client(${py(listener.address)}, authkey=b"wrong")
    print("connected")
except AuthenticationError as e:
    print("AuthenticationError", e)
`);
      await assert.rejects(listener.accept(), mp.AuthenticationError);
      assert.match(await nextLine(lines), /^AuthenticationError/);
      const { code, stderr } = await done;
      assert.equal(code, 0, stderr);
      assertDigests(flavor, stderr, "answered");
      // The listener still serves a peer with the right key.
      const good = python(t, flavor, `
from multiprocessing.connection import Client
with Client(${py(listener.address)}, authkey=b"right") as c:
    c.send_bytes(b"fine")
`);
      const conn = track(t, await listener.accept());
      assert.equal((await conn.recvBytes()).toString(), "fine");
      assert.equal((await good.done).code, 0);
      conn.close();
    });
  });
}
