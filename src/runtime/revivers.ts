// Imported by the worker runtime so that every shareable type has registered how to rebuild
// itself (see shareable.ts) before the first task arrives. Each shareable type's module is
// imported here for that side effect, except a manager's proxies, which load only when a
// message holds one (shareable-types.ts).
export {};
import "../channels/queue.js";
import "../channels/joinable-queue.js";
import "../channels/pipe.js";
import "../sync/lock.js";
import "../sync/semaphore.js";
import "../sync/condition.js";
import "../sync/event.js";
import "../sync/barrier.js";
import "../values/value.js";
import "../values/array.js";
import "../values/shared-memory.js";
import "../values/shareable-list.js";
