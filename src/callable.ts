// Python calls its factories as functions: mp.Array('i', 5), mp.Value('d', 0), mp.Lock(),
// ctx.Queue(). A JavaScript class throws "cannot be invoked without 'new'" there, so the public
// classes are wrapped: the wrapper is a Proxy over the class whose call constructs it. Everything
// else goes to the class itself: `new`, `instanceof`, subclassing (`class W extends mp.Process`,
// whose super() constructs the real class), static members, the prototype, the name.

/**
 * The class, callable without `new` too. Its type is only the call signature, with the class's
 * generics kept; declare the export as `typeof Class & typeof call` to have both (factories.ts).
 */
export function callable<A extends unknown[], R>(cls: new (...args: A) => R): (...args: A) => R {
  return callableAs<(...args: A) => R>(cls);
}

/** The same for a class that stands for a public one (a context's Process), typed as that one's factory `F`. */
export function callableAs<F>(cls: abstract new (...args: never[]) => unknown): F {
  return new Proxy(cls, {
    apply: (target, _this, args: unknown[]) => Reflect.construct(target as unknown as new (...args: unknown[]) => unknown, args),
  }) as unknown as F;
}
