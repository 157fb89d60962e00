// Python's `arr[i]` and `arr[i] = v` on a class whose elements live in shared memory (Array,
// ShareableList), without turning its objects into Proxies.
//
// The Proxy sits in the class's prototype chain, above the prototype: V8 only reaches it for a
// property that neither the object nor its class has, which is what an index is, so get(), set(),
// view and every other member keep their ordinary speed, and the object itself is an ordinary
// one that structured clone (the clone check before a Process starts) and private fields accept.
// The trap calls the object's own get(i) / set(i, v), so negative indices and the RangeError out of
// bounds (Python's IndexError) are theirs.

interface Indexed {
  readonly length: number;
  get(i: number): unknown;
  set(i: number, v: never): void;
}

/** A property key that is an index: "0", "17", "-1" (not "01", "1.5", "x"). */
function indexOf(key: string | symbol): number | null {
  if (typeof key !== "string" || !/^-?(0|[1-9]\d*)$/.test(key)) return null;
  const i = Number(key);
  return Number.isSafeInteger(i) ? i : null;
}

/** Makes `obj[i]` call obj.get(i) and `obj[i] = v` call obj.set(i, v) on every instance of `cls`. */
export function indexAccess(cls: { prototype: Indexed }): void {
  const above = Object.getPrototypeOf(cls.prototype) as object | null;
  // The target is an empty object over what was above, so the chain still reaches it
  // (`arr instanceof Object` stays true) and other lookups continue there.
  const proxy = new Proxy(Object.create(above) as object, {
    get(target, key, receiver: Indexed) {
      const i = indexOf(key);
      return i === null ? Reflect.get(target, key, receiver) : receiver.get(i);
    },
    set(target, key, value: never, receiver: Indexed) {
      const i = indexOf(key);
      if (i === null) return Reflect.set(target, key, value, receiver);
      receiver.set(i, value);
      return true;
    },
  });
  Object.setPrototypeOf(cls.prototype, proxy);
}
