// Python's `arr[i]` / `arr[i] = v` on mp.Array and ShareableList (src/values/indexed.ts), in the
// parent and in workers (the objects still pass the clone check before a Process starts), plus
// Array('c') and ShareableList items that are bytes (Uint8Array), as in Python.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import * as mp from "multiproc";
import { CONTEXTS, assertNoSegmentsLeft } from "./helpers.ts";

after(assertNoSegmentsLeft);

const bytes = (s: string) => new TextEncoder().encode(s);

/** In a worker: Python-style index access on both objects. */
function touch(arr: mp.Array<"i">, list: mp.ShareableList, chars: mp.Array<"c">) {
  arr[0] = arr[1]! + arr[-1]!;
  list[-1] = list[0] === "a" ? new Uint8Array([7, 8]) : null;
  chars[0] = new Uint8Array([0x48]); // "H"
}

describe("index access in one process", () => {
  it("mp.Array: arr[i], arr[-1], arr[i] = v; out of bounds is RangeError naming IndexError", () => {
    const arr = new mp.Array("i", [10, 20, 30], { lock: false });
    assert.equal(arr[0], 10);
    assert.equal(arr[2], 30);
    assert.equal(arr[-1], 30);
    assert.equal(arr[-3], 10);
    arr[1] = 21;
    arr[-1] = 31;
    assert.deepEqual(arr.toArray(), [10, 21, 31]);
    assert.deepEqual([...arr.view], [10, 21, 31], "index writes go to the shared memory");
    assert.throws(() => arr[3], (e: Error) => e instanceof RangeError && /IndexError/.test(e.message));
    assert.throws(() => arr[-4], RangeError);
    assert.throws(() => (arr[5] = 1), RangeError);
    assert.throws(() => (arr[0] = 2 ** 40), RangeError, "a value that does not fit, as set()");
    assert.equal(Object.keys(arr).includes("0"), false, "no property was added");
    const big = new mp.Array("q", 2);
    big[1] = 5n;
    assert.equal(big[1], 5n);
    // Other properties behave as on any object.
    assert.equal((arr as unknown as Record<string, unknown>).nothing, undefined);
    assert.equal(typeof arr.toString, "function");
    assert.ok(arr instanceof Object && arr instanceof mp.Array, "the prototype chain still reaches Object.prototype");
    assert.equal(Object.prototype.hasOwnProperty.call(arr, "length"), true);
  });

  it("Array('c') holds bytes: arr[i] is one byte, value and raw as in Python", () => {
    const chars = new mp.Array("c", bytes("hi\0there"));
    assert.deepEqual(chars[0], bytes("h"));
    assert.deepEqual(chars.value, bytes("hi"), "value stops at the first zero byte");
    assert.deepEqual(chars.raw, bytes("hi\0there"));
    chars.value = bytes("hello");
    assert.deepEqual(chars.value, bytes("hello"));
    assert.deepEqual(chars.raw, bytes("hello\0re"));
    chars.set(-1, 0x21); // an integer 0..255 is accepted, as by ctypes' c_char
    assert.deepEqual(chars.raw, bytes("hello\0r!"));
    assert.throws(() => (chars[0] = bytes("ab")), TypeError);
    assert.throws(() => (chars.value = bytes("far too long")), RangeError);
    assert.throws(() => new mp.Array("i", 2).raw, TypeError);
    assert.deepEqual(new mp.Value("c", bytes("x")).value, bytes("x"));
    assert.deepEqual(new mp.Value("c_char").value, new Uint8Array(1));
  });

  it("ShareableList: list[i], list[-1] = v, bytes items, and an empty list with no argument", () => {
    const list = new mp.ShareableList(["a", 1, bytes("xyz"), null]);
    try {
      assert.equal(list[0], "a");
      assert.deepEqual(list[2], bytes("xyz"));
      assert.deepEqual(list[-2], bytes("xyz"));
      list[-1] = 2.5;
      list[2] = bytes("12345678"); // the slot holds 8 bytes
      assert.deepEqual(list.toArray(), ["a", 1, bytes("12345678"), 2.5]);
      assert.throws(() => (list[2] = bytes("123456789")), (e: Error) => e instanceof RangeError && /byte string/.test(e.message));
      assert.throws(() => list[4], (e: Error) => e instanceof RangeError && /IndexError/.test(e.message));
      assert.equal(list.format, "8sd8sd");
      assert.equal(list.count(bytes("12345678")), 1);
      assert.equal(list.index(bytes("12345678")), 2);
    } finally {
      list.shm.close();
      list.shm.unlink();
    }
    const empty = new mp.ShareableList();
    assert.equal(empty.length, 0);
    assert.deepEqual(empty.toArray(), []);
    empty.shm.close();
    empty.shm.unlink();
  });
});

for (const context of CONTEXTS) {
  describe(`index access in workers (${context})`, () => {
    it("a Process reads and writes arr[i], list[i] and Array('c') items; the parent sees them", async () => {
      const arr = new mp.Array("i", [0, 2, 5], { context });
      const chars = new mp.Array("c", bytes("hey"), { context });
      const list = new mp.ShareableList(["a", bytes("--")]);
      try {
        const p = new mp.Process({ context, target: touch, args: [arr, list, chars] });
        p.start();
        await p.join();
        assert.equal(p.exitCode, 0);
        assert.equal(arr[0], 7);
        assert.deepEqual(list[1], new Uint8Array([7, 8]));
        assert.deepEqual(chars.value, bytes("Hey"));
      } finally {
        list.shm.close();
        list.shm.unlink();
      }
    });

    it("the same objects in Pool initargs and task arguments", async () => {
      const arr = new mp.Array("i", [1, 2, 3], { context });
      await using pool = new mp.Pool({ processes: 1, context, initializer: (a: mp.Array<"i">) => void (a[0] = 100), initargs: [arr] });
      const got = await pool.apply((a: mp.Array<"i">) => a[0]! + a[-1]!, [arr]);
      assert.equal(got, 103);
    });
  });
}
