// A manager's message bytes (src/managers/codec.ts): calls and replies of primitives are packed
// by hand, anything else is a structured clone; either way what arrives equals what was sent.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeReply, decodeRequest, encodeReply, encodeRequest } from "../../src/managers/codec.ts";
import { FAILED, OK, type Reply, type Request } from "../../src/managers/protocol.ts";

const request = (args: unknown[], method = "set", holdsShared = false): Request => [0xfffffffe, 7, method, args, holdsShared];
const roundTrip = (r: Request) => decodeRequest(Buffer.from(encodeRequest(r)));
const replyTrip = (r: Reply) => decodeReply(Buffer.from(encodeReply(r)));
const PACKED = 0x01;
const PACKED_REPLY = 0x02;

describe("manager codec", () => {
  it("packs primitives by hand and gets every one back exactly (-0, NaN, int32 edges, unicode, empty)", () => {
    const values = [undefined, null, true, false, 0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 0.5, NaN, Infinity, -Infinity, "", "k", "é€😀", "x".repeat(600)];
    const r = request(values, "métode");
    assert.equal(encodeRequest(r)[0], PACKED);
    const back = roundTrip(r);
    assert.deepEqual(back, r);
    assert.ok(Object.is(back[3][5], -0));
    for (const v of values) {
      const reply: Reply = [3, OK, v, false];
      assert.equal(encodeReply(reply)[0], PACKED_REPLY);
      assert.ok(Object.is(replyTrip(reply)[2], v));
    }
  });

  it("falls back to the structured clone for objects, bigints, long strings, shared values and errors", () => {
    for (const args of [[{ a: 1 }], [[1, 2]], [1n], [new Map([[1, 2]])], ["x".repeat(5000)], new Array(300).fill(1)]) {
      const r = request(args);
      assert.equal(encodeRequest(r)[0], 0xff);
      assert.deepEqual(roundTrip(r), r);
    }
    assert.deepEqual(roundTrip(request([1], "m", true)), request([1], "m", true));
    for (const reply of [[1, OK, { a: [1] }, false], [1, OK, 5, true], [1, FAILED, { name: "KeyError", message: "'k'", isError: true }]] as Reply[]) {
      assert.equal(encodeReply(reply)[0], 0xff);
      assert.deepEqual(replyTrip(reply), reply);
    }
  });

  it("throws what the structured clone throws for a value it cannot copy", () => {
    assert.throws(() => encodeRequest(request([{ f: () => 1 }])), /could not be cloned/);
    assert.throws(() => encodeReply([1, OK, Symbol("s"), false]), /could not be cloned|Symbol/);
  });
});
