// Imported by the worker runtime so that every shareable type has registered how to rebuild
// itself (see shareable.ts) before the first task arrives. Each shareable type's module is
// imported here for that side effect.
export {};
import "./queue.js";
import "./joinable-queue.js";
import "./pipe.js";
import "./lock.js";
import "./semaphore.js";
import "./condition.js";
import "./event.js";
import "./barrier.js";
import "./value.js";
import "./array.js";
import "./shared-memory.js";
import "./shareable-list.js";
import "../managers/proxies.js";
