// How a shared object is rebuilt in a worker (src/memory/shareable.ts, shared-object.ts): every
// registered type, encoded as a worker receives it (a structured clone of the descriptor) and
// revived here on the thread context, is an object of the same class over the same memory, whose
// first contents the revive did not rewrite; and a public constructor never takes memory that a
// revive was meant to get, whatever options it is given and wherever it runs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import "../../src/all-shareables.ts";
import { decodeShareables, encodeShareables, kShareable, registerShareable, shareableTypes, type Shareable } from "../../src/memory/shareable.ts";
import { Lock, RLock } from "../../src/sync/lock.ts";
import { BoundedSemaphore, Semaphore } from "../../src/sync/semaphore.ts";
import { Condition } from "../../src/sync/condition.ts";
import { Event } from "../../src/sync/event.ts";
import { Barrier } from "../../src/sync/barrier.ts";
import { Value } from "../../src/values/value.ts";
import { SharedArray } from "../../src/values/array.ts";
import { SharedMemory } from "../../src/values/shared-memory.ts";
import { ShareableList } from "../../src/values/shareable-list.ts";
import { Queue, SimpleQueue } from "../../src/channels/queue.ts";
import { JoinableQueue } from "../../src/channels/joinable-queue.ts";
import { Connection, Pipe } from "../../src/channels/pipe.ts";
import { BaseProxy } from "../../src/managers/proxy.ts";
import { PROXY_TYPE } from "../../src/managers/protocol.ts";
import { getContext } from "../../src/context.ts";
import { TooManyReleasesError } from "../../src/sync/errors.ts";

const context = "thread" as const;

/** What a worker would get for `obj`: its descriptor through a structured clone, revived. */
function roundTrip<T>(obj: T, origin?: unknown): T {
  const { value, found } = encodeShareables([obj]);
  assert.equal(found, true);
  return decodeShareables(structuredClone(value), origin)[0]!;
}

/** For each registered type: make one, and check that `revived` is of its class over its memory. */
const samples: Record<string, () => { made: Shareable; check: (revived: never) => void }> = {
  Lock: () => {
    const made = new Lock({ context });
    made.acquireSync();
    return { made, check: (r: Lock) => (assert.ok(r instanceof Lock), assert.equal(r.locked(), true), r.release(), assert.equal(made.locked(), false)) };
  },
  RLock: () => {
    const made = new RLock({ context });
    made.acquireSync();
    made.acquireSync();
    return { made, check: (r: RLock) => (assert.ok(r instanceof RLock), assert.equal(r.count, 2), assert.equal(r.context, "thread")) };
  },
  Semaphore: () => {
    const made = new Semaphore(3, { context });
    made.acquireSync();
    made.acquireSync();
    return { made, check: (r: Semaphore) => (assert.ok(r instanceof Semaphore), assert.equal(r.getValue(), 1, "the counter is the block's, not reset"), r.release(), assert.equal(made.getValue(), 2)) };
  },
  BoundedSemaphore: () => {
    const made = new BoundedSemaphore(2, { context });
    made.acquireSync();
    return {
      made,
      check: (r: BoundedSemaphore) => {
        assert.ok(r instanceof BoundedSemaphore);
        assert.equal(r.getValue(), 1);
        r.release();
        assert.throws(() => r.release(), TooManyReleasesError, "the bound is the block's");
      },
    };
  },
  Condition: () => {
    const made = new Condition(new Lock({ context }));
    made.acquireSync();
    return { made, check: (r: Condition) => (assert.ok(r instanceof Condition), assert.ok(r.lock instanceof Lock), assert.equal(r.lock.locked(), true), r.release(), assert.equal(made.lock.locked(), false)) };
  },
  Event: () => {
    const made = new Event({ context });
    return { made, check: (r: Event) => (assert.ok(r instanceof Event), assert.equal(r.isSet(), false), made.set(), assert.equal(r.isSet(), true)) };
  },
  Barrier: () => {
    const made = new Barrier(3, { context, timeout: 7, action: () => 1 });
    return { made, check: (r: Barrier) => (assert.ok(r instanceof Barrier), assert.equal(r.parties, 3, "the parties are the block's"), assert.equal(r.broken, false)) };
  },
  Value: () => {
    const made = new Value("i", 7, { context });
    return {
      made,
      check: (r: Value<"i">) => {
        assert.ok(r instanceof Value);
        assert.equal(r.value, 7, "not rewritten with the default");
        r.value = 8;
        assert.equal(made.value, 8);
        r.getLock().acquireSync();
        assert.equal(made.getLock().locked(), true, "the same lock");
        r.getLock().release();
      },
    };
  },
  Array: () => {
    const made = new SharedArray("d", [1.5, 2.5], { context, lock: false });
    return {
      made,
      check: (r: SharedArray<"d">) => {
        assert.ok(r instanceof SharedArray);
        assert.deepEqual(r.toArray(), [1.5, 2.5], "not rewritten with zeros");
        r.set(0, 9);
        assert.equal(made.get(0), 9);
        assert.throws(() => r.getLock(), TypeError, "no lock, as the original");
      },
    };
  },
  SharedMemory: () => {
    const made = new SharedMemory({ create: true, size: 16 });
    return {
      made,
      check: (r: SharedMemory) => {
        assert.ok(r instanceof SharedMemory);
        r.buf[3] = 42;
        assert.equal(made.buf[3], 42);
        r.close();
        made.unlink();
      },
    };
  },
  ShareableList: () => {
    const made = new ShareableList([1, "two", null]);
    return { made, check: (r: ShareableList) => (assert.ok(r instanceof ShareableList), assert.deepEqual(r.toArray(), [1, "two", null]), r.shm.close(), made.shm.unlink()) };
  },
  Queue: () => {
    const made = new Queue<number>(5, { context, capacity: 1024 });
    made.putSync(1);
    return {
      made,
      check: (r: Queue<number>) => {
        assert.ok(r instanceof Queue);
        assert.equal(r.maxsize, 5);
        assert.equal(r.getSync({ timeout: 5 }), 1);
        r.putSync(2);
        assert.equal(made.getSync({ timeout: 5 }), 2);
      },
    };
  },
  SimpleQueue: () => {
    const made = new SimpleQueue<number>({ context });
    return { made, check: (r: SimpleQueue<number>) => (assert.ok(r instanceof SimpleQueue), r.putSync(3), assert.equal(made.getSync({ timeout: 5 }), 3)) };
  },
  JoinableQueue: () => {
    const made = new JoinableQueue<number>(0, { context });
    made.putSync(1);
    return {
      made,
      check: (r: JoinableQueue<number>) => {
        assert.ok(r instanceof JoinableQueue);
        assert.equal(r.unfinishedTasks(), 1);
        r.getSync({ timeout: 5 });
        r.taskDone();
        assert.equal(made.unfinishedTasks(), 0);
      },
    };
  },
  Connection: () => {
    const [a, made] = Pipe<number>(true, { context });
    return {
      made,
      check: (r: Connection<number>) => {
        assert.ok(r instanceof Connection);
        a.sendSync(4);
        assert.equal(r.recvSync({ timeout: 5 }), 4);
        r.close();
        made.close();
        a.close();
      },
    };
  },
  [PROXY_TYPE]: () => {
    const made = new BaseProxy({ typeid: "Thing", address: "/tmp/nowhere", id: 3, exposed: ["f"] });
    return { made, check: (r: BaseProxy) => (assert.ok(r instanceof BaseProxy), assert.equal(r.typeid, "Thing"), assert.equal(r.id, 3), assert.equal(typeof (r as unknown as { f: unknown }).f, "function")) };
  },
};

describe("shareable protocol", () => {
  it("every registered type has a sample here (a new type must add one)", () => {
    assert.deepEqual(shareableTypes().filter((t) => !t.startsWith("test.")).sort(), Object.keys(samples).sort());
  });

  for (const [type, sample] of Object.entries(samples)) {
    it(`${type}: the descriptor round trip rebuilds the same class over the same memory`, () => {
      const { made, check } = sample();
      assert.equal(made[kShareable]().type, type);
      check(roundTrip(made) as never);
    });
  }

  it("a context's subclass travels as its base class, for the same context", () => {
    const lock = new (getContext("thread").Lock)();
    const r = roundTrip(lock);
    assert.equal(r.constructor, Lock);
    assert.equal(r.context, "thread");
  });

  it("decodeShareables() hands its `origin` to every reviver (a manager client passes itself)", () => {
    const seen: unknown[] = [];
    registerShareable("test.origin", (state, origin) => (seen.push(origin), state));
    const origin = { client: "a client" };
    const desc = { __multiproc_shared__: "test.origin", state: 1 };
    assert.deepEqual(decodeShareables([desc, { deeper: [{ ...desc, state: 2 }] }], origin), [1, { deeper: [2] }]);
    decodeShareables([{ ...desc }]);
    assert.deepEqual(seen, [origin, origin, undefined]);
  });

  it("a public constructor never takes the memory meant for a revive", () => {
    const original = new Lock({ context });
    original.acquireSync();
    const desc = original[kShareable]();
    // User code that runs inside a reviver, before and after the revive it does.
    registerShareable("test.user-code-in-reviver", (state) => {
      const before = new Lock({ context });
      const revived = decodeShareables([structuredClone(state)])[0] as Lock;
      const after = new Lock({ context });
      return { before, revived, after };
    });
    const inner = { __multiproc_shared__: desc.type, state: desc.state };
    const { before, revived, after } = decodeShareables({ __multiproc_shared__: "test.user-code-in-reviver", state: inner }) as unknown as Record<string, Lock>;
    assert.equal(revived!.locked(), true);
    assert.equal(before!.locked(), false);
    assert.equal(after!.locked(), false);
    // Options that look like a revive's, to a constructor called by user code.
    const lookalikes: object[] = [
      { context, state: desc.state },
      { context, block: desc.state },
      { context, [Symbol("multiproc.receivedBlock")]: desc.state },
      { context, [Symbol.for("multiproc.receivedBlock")]: desc.state },
    ];
    for (const options of lookalikes) {
      assert.equal(new Lock(options).locked(), false, "a new lock");
      assert.equal(new Semaphore(2, options).getValue(), 2, "a new semaphore, initialised");
      assert.equal(new Value("i", 5, options).value, 5);
    }
    // A revive that throws half-way (an unknown typecode after its lock was rebuilt) leaves nothing behind.
    const value = new Value("i", 1, { context });
    const bad = value[kShareable]();
    (bad.state as { typecode: string }).typecode = "nope";
    assert.throws(() => decodeShareables({ __multiproc_shared__: "Value", state: bad.state }));
    assert.equal(new Value("i", 2, { context }).value, 2);
  });
});
