// Sockets cannot travel to a worker: Python duplicates a connection's file descriptor into the
// child, but a worker thread or child process here gets a structured clone, and a clone of a
// socket connection or listener would be an empty object that silently does nothing. So each
// carries an own property that structured clone refuses, whose name says what to do instead;
// the clone check (wire/clone-check.ts) then names the argument and this reason.

/** A value for an own, enumerable property of `what` that makes structured clone refuse it. */
export function refuseClone(what: "Connection" | "Listener"): () => void {
  const name = `a_socket_${what}_stays_in_the_process_that_opened_it__pass_its_address_and_connect_in_the_worker`;
  return { [name]: () => {} }[name]!;
}
