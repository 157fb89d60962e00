// Every shareable type's module, imported for its side effect: registering how to rebuild its
// objects (memory/shareable.ts). Whoever may receive any of them loads this first: the worker
// runtime before its first task (runtime/shareable-types.ts), a manager's server, and a
// manager's client when a reply holds shared objects. Not in runtime/, since the last two are
// not workers. A manager's proxies are not here: they load only when a message holds one.
export {};
import "./channels/queue.js";
import "./channels/joinable-queue.js";
import "./channels/pipe.js";
import "./sync/lock.js";
import "./sync/semaphore.js";
import "./sync/condition.js";
import "./sync/event.js";
import "./sync/barrier.js";
import "./values/value.js";
import "./values/array.js";
import "./values/shared-memory.js";
import "./values/shareable-list.js";
