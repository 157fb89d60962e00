import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFunction, parseMethod } from "../src/fn/free-variables.ts";

const free = (src: string) => [...parseFunction(src)!.free].sort();

describe("free variables of a function's source", () => {
  it("parameters, locals and nested scopes are not free; outer names are", () => {
    assert.deepEqual(free("(a, b) => a + b"), []);
    assert.deepEqual(free("(a) => a * k"), ["k"]);
    assert.deepEqual(free("function f(n) { const m = n; let x; var y = 2; return m + x + y + g(n); }"), ["g"]);
    assert.deepEqual(free("function fact(n) { return n ? n * fact(n - 1) : 1 }"), []);
    assert.deepEqual(free("n => { const inner = (x) => x + n + z; return inner(1) }"), ["z"]);
    assert.deepEqual(free("({ a, b: [c, ...d] = def }, ...rest) => a + c + d + rest"), ["def"]);
    assert.deepEqual(free("(o) => o.prop + o[key]"), ["key"]);
    assert.deepEqual(free("() => ({ short, long: 1, [computed]: 2 })"), ["computed", "short"]);
    assert.deepEqual(free("function () { try { x() } catch (e) { return e } }"), ["x"]);
    assert.deepEqual(free("() => { for (const [k, v] of Object.entries(m)) out: for (;;) { break out } }"), ["Object", "m"]);
    assert.deepEqual(free("() => { class A extends Base { static s = A; m() { return this.n + outside } } return new A() }"), ["Base", "outside"]);
    assert.deepEqual(free("async function* g() { for await (const x of src) yield x }"), ["src"]);
    assert.deepEqual(free("() => { let a; [a, b] = [1, 2]; ({ c } = o); return a }"), ["b", "c", "o"]);
    assert.deepEqual(free("function () { return arguments.length + new.target }"), []);
    assert.deepEqual(free("() => `${t} ${1}`"), ["t"]);
  });

  it("reads method shorthand and esbuild's __name wrapping", () => {
    const m = parseFunction("square(n) { return n * n }")!;
    assert.equal(m.expression, "({ square(n) { return n * n } }).square");
    assert.deepEqual([...m.free], []);
    assert.deepEqual(free('(x) => __name((y) => y + x, "inner")'), ["__name"]);
  });

  it("returns null for source that is not a function", () => {
    assert.equal(parseFunction("function () { [native code] }"), null);
    assert.equal(parseFunction("class A {}"), null);
  });
});

describe("a class member's source, as a Process subclass's methods travel", () => {
  it("reads methods, accessors, async and generator methods and computed keys, with their free names", () => {
    const m = (src: string) => {
      const r = parseMethod(src);
      return r && { key: r.key, kind: r.kind, free: [...r.free].sort() };
    };
    assert.deepEqual(m("helper(i) { return i * i * k }"), { key: "helper", kind: "method", free: ["k"] });
    assert.deepEqual(m("async run() { await this.q.put(1) }"), { key: "run", kind: "method", free: [] });
    assert.deepEqual(m("async *gen() { yield* src }"), { key: "gen", kind: "method", free: ["src"] });
    assert.deepEqual(m("get area() { return this.w * this.h }"), { key: "area", kind: "get", free: [] });
    assert.deepEqual(m("set area(v) { this.w = v }"), { key: "area", kind: "set", free: [] });
    assert.deepEqual(m('"my-key"() { return super.x() }'), { key: "my-key", kind: "method", free: [] });
    assert.deepEqual(m("[Symbol.iterator]() { return [][Symbol.iterator]() }"), { key: null, kind: "method", free: ["Symbol"] });
    assert.deepEqual(m("[kName]() {}"), { key: null, kind: "method", free: ["kName"] });
  });

  it("returns null for what is not one member: a function expression, a #private use, two members", () => {
    assert.equal(parseMethod("function (n) { return n }"), null);
    assert.equal(parseMethod("(n) => n"), null);
    assert.equal(parseMethod("run() { this.#count++ }"), null);
    assert.equal(parseMethod("a() {}, b() {}"), null);
    assert.equal(parseMethod("x: 1"), null);
  });
});
