// What runs in a manager's own process (process context) or worker thread (thread context):
// BaseManager.start() runs serveManager() there as a Process target. It rebuilds the
// registered types, listens, tells the parent its address (or why it could not), and serves
// until shut down.

import "../all-shareables.js";
import "./proxies.js"; // proxies in a Pool task's arguments, revived here
import type { Connection } from "../channels/pipe.js";
import type { ContextName } from "../backends/backend.js";
import { loadFunction } from "../fn/load-function.js";
import { serializeError, type WireError } from "../wire/errors.js";
import type { FnSpec } from "../wire/messages.js";
import type { WireType } from "./registry.js";
import { ManagerServer, type ServedType } from "./server.js";
import { builtinTypes } from "./sync-types.js";
import type { Address } from "./transport.js";

export interface ServerConfig {
  types: WireType[];
  address: Address;
  authkey: Uint8Array | null;
  /** Where the manager's Pool runs its workers. */
  context: ContextName;
  initializer: FnSpec | null;
  initargs: unknown[];
}

export type ServerStarted = { address: Address } | { error: WireError };

/** Build the served types from what register() sent. */
export async function servedTypes(types: WireType[], context: ContextName, local: (v: unknown) => unknown): Promise<ServedType[]> {
  const builtins = new Map(builtinTypes(context, local).map((t) => [t.typeid, t]));
  return Promise.all(
    types.map(async (t): Promise<ServedType> => {
      const base = { typeid: t.typeid, exposed: t.exposed, methodToTypeid: t.methodToTypeid };
      if (t.builtin) {
        const own = builtins.get(t.typeid)!;
        return { ...own, ...base, exposed: t.exposed, methodToTypeid: t.methodToTypeid ?? own.methodToTypeid ?? null };
      }
      return { ...base, create: t.spec ? ((await loadFunction(t.spec)) as ServedType["create"]) : undefined };
    }),
  );
}

export async function serveManager(config: ServerConfig, started: Connection<ServerStarted>): Promise<void> {
  let server: ManagerServer;
  try {
    const types = await servedTypes(config.types, config.context, (v) => server.local(v));
    server = new ManagerServer(types, config.address, config.authkey);
    if (config.initializer) await (await loadFunction(config.initializer))(...config.initargs);
    const address = await server.listen();
    await started.send({ address });
  } catch (error) {
    await started.send({ error: serializeError(error) });
    return;
  }
  await server.serveForever();
}
