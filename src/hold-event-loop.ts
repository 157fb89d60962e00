// Keeps Node's event loop alive while someone awaits a pool or a process. Idle workers are
// unreferenced so that a script ends on its own; but a program that awaits join(), a result or
// an iterator step must not end silently in the middle of that await (exit status 13, its
// `finally` blocks skipped) when nothing else happens to be referenced. One shared timer is
// referenced while any such await is pending: a counter and a ref()/unref() pair, no new handle.

let holders = 0;
let timer: NodeJS.Timeout | undefined;

/** Keep the event loop alive until the returned release function is called (once). */
export function holdEventLoop(): () => void {
  if (holders++ === 0) {
    timer ??= setInterval(noop, 2 ** 30);
    timer.ref();
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--holders === 0) timer!.unref();
  };
}

/** `promise`, with the event loop kept alive until it settles. */
export function whileAwaited<T>(promise: Promise<T>): Promise<T> {
  const release = holdEventLoop();
  return promise.finally(release);
}

function noop(): void {}
