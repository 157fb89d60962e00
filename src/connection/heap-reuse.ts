// Why large messages need this: every message recvBytes() returns is memory of its own (Python
// returns fresh bytes too), and V8 frees those buffers in bursts, when it collects garbage, not
// one by one as Python's reference counting does. glibc's malloc gives memory at the top of its
// heap back to the system whenever more than its trim threshold (128 KiB) lies free there, so
// after each burst the next messages' buffers are fresh pages again: 16 page faults and a zeroed
// page each per 64 KiB, which made 64 KiB round trips cost 2-3x the CPU of Python's.
//
// glibc raises that threshold by itself, to twice the size, the first time a program frees a
// block it had mapped on its own (any malloc above 128 KiB) of up to 32 MiB: so, once per process,
// at the first large message, one such block is allocated, never touched (no memory is used), and
// dropped. From then on up to ~62 MiB of freed memory stays in the heap for reuse, as after any
// program frees a ~31 MiB buffer. Elsewhere (musl, macOS) this is one unused allocation.
// MULTIPROC_HEAP_REUSE=0 turns it off; glibc ignores it anyway when MALLOC_TRIM_THRESHOLD_ or
// MALLOC_MMAP_THRESHOLD_ is set (its thresholds are then fixed).

/** Just under glibc's DEFAULT_MMAP_THRESHOLD_MAX (32 MiB on 64-bit), which the block must not exceed. */
const BLOCK = 31 * 1024 * 1024;
/** Messages at least this large bring it about. */
export const LARGE_MESSAGE = 32 * 1024;

let done = false;

/** Called when a large message's memory is allocated; does its work once per process. */
export function keepFreedHeapForReuse(): void {
  if (done) return;
  done = true;
  if (process.platform !== "linux" || process.env.MULTIPROC_HEAP_REUSE === "0") return;
  void Buffer.allocUnsafeSlow(BLOCK); // freed at the next garbage collection
}
