// multiproc_shm: the smallest native piece that multiproc's *process* context needs.
//
//   create/open/close/unlink  POSIX shared memory (shm_open + mmap MAP_SHARED), handed to JS as
//                             an ArrayBuffer whose bytes ARE the mapping (no copy, no messages).
//   wait/waitAsync/wake       Linux futex on a 32-bit cell of a mapping, across processes.
//   processAlive/StartTime    so a lock word holding an owner's pid can detect a dead owner.
//   dieWithParent             a worker process dies with its parent, without a watchdog thread.
//
// Why pure Node-API (napi_create_external_arraybuffer) and not v8::SharedArrayBuffer:
// Node-API is ABI-stable, so one build serves Node 20, 22 and 24. The ArrayBuffer is not a
// SharedArrayBuffer, but V8 implements Atomics.* on non-shared integer arrays with the same
// locked machine instructions (in the builtins and in optimized code), which the tests check
// across processes. Only Atomics.wait/notify are refused on it (and V8's own wait is in-process
// emulation anyway), which is why futex wait/wake live here.
//
// Linux only (futex, /proc). Built by scripts/build-native.mjs.

#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <condition_variable>
#include <deque>
#include <cmath>
#include <map>
#include <mutex>
#include <string>

namespace {

// ---------------------------------------------------------------------------------------------
// Mapping registry.
//
// One Segment per mmap in this process (shared by all worker threads' envs: the addon's statics
// are per process). Two counts, because two different things must outlive each other:
//   users: who may still touch the mapped bytes: the JS ArrayBuffer until close()/GC, plus every
//          wait in flight (an async wait's thread may outlive the ArrayBuffer). munmap at 0.
//   refs:  who holds the Segment struct itself: the ArrayBuffer's finalizer always runs once,
//          even after close(), and it must find the struct alive. delete at 0.
// The map is keyed by address so that wait/wake, given only an ArrayBuffer, can check that the
// cell really lies in a live mapping: a futex on an arbitrary heap address would be a bug.
// ---------------------------------------------------------------------------------------------
struct Segment {
  char* addr;
  size_t len;
  int users;      // guarded by g_mu
  int refs;       // guarded by g_mu
  bool js_open;   // the ArrayBuffer still counts as a user; guarded by g_mu
};

std::mutex g_mu;
std::map<uintptr_t, Segment*> g_segs;  // key: addr, only while mapped

// Segment that contains [p, p+need), with users and refs taken; nullptr if none.
Segment* acquire_containing(const void* p, size_t need) {
  std::lock_guard<std::mutex> lock(g_mu);
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  auto it = g_segs.upper_bound(a);
  if (it == g_segs.begin()) return nullptr;
  --it;
  Segment* s = it->second;
  if (a + need > it->first + s->len) return nullptr;
  s->users++;
  s->refs++;
  return s;
}

// Drops one user and/or one ref; unmaps and frees when the counts reach zero.
void release(Segment* s, bool user, bool ref) {
  char* unmap_addr = nullptr;
  size_t unmap_len = 0;
  bool free_it = false;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (user && --s->users == 0) {
      // Erase before munmap so no new waiter can find an address that is about to be reused.
      g_segs.erase(reinterpret_cast<uintptr_t>(s->addr));
      unmap_addr = s->addr;
      unmap_len = s->len;
    }
    if (ref && --s->refs == 0) free_it = true;
  }
  if (unmap_addr) munmap(unmap_addr, unmap_len);
  if (free_it) delete s;
}

// The ArrayBuffer was collected (or its env torn down). It is a user only if not closed yet.
void finalize_buffer(napi_env, void*, void* hint) {
  Segment* s = static_cast<Segment*>(hint);
  bool was_open;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    was_open = s->js_open;
    s->js_open = false;
  }
  release(s, was_open, true);
}

// ---------------------------------------------------------------------------------------------
// Small N-API helpers. Errors become JS exceptions with a `code` (the errno name where relevant).
// ---------------------------------------------------------------------------------------------
#define CALL(env, expr)                                            \
  do {                                                             \
    if ((expr) != napi_ok) {                                       \
      throw_last(env, #expr);                                      \
      return nullptr;                                              \
    }                                                              \
  } while (0)

void throw_last(napi_env env, const char* what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  std::string msg = std::string("multiproc_shm: ") + what + " failed";
  if (info && info->error_message) msg += std::string(": ") + info->error_message;
  napi_throw_error(env, "ERR_MULTIPROC_SHM_NAPI", msg.c_str());
}

const char* errno_code(int e) {
  switch (e) {
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EFAULT: return "EFAULT";
    case EPERM: return "EPERM";
    case ENOSYS: return "ENOSYS";
    default: return "EUNKNOWN";
  }
}

napi_value throw_errno(napi_env env, const char* what, const std::string& name, int e) {
  std::string msg = std::string(what) + " '" + name + "': " + strerror(e);
  napi_throw_error(env, errno_code(e), msg.c_str());
  return nullptr;
}

bool get_string(napi_env env, napi_value v, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "segment name must be a string");
    return false;
  }
  out->resize(len + 1);
  napi_get_value_string_utf8(env, v, &(*out)[0], len + 1, &len);
  out->resize(len);
  // POSIX leaves other shapes implementation-defined; glibc maps "/x" to /dev/shm/x.
  if (len < 2 || (*out)[0] != '/' || out->find('/', 1) != std::string::npos || len > 255) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                          "segment name must look like '/name' (one leading slash, <= 255 chars)");
    return false;
  }
  return true;
}

bool get_double(napi_env env, napi_value v, double* out, const char* what) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    std::string msg = std::string(what) + " must be a number";
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg.c_str());
    return false;
  }
  return true;
}

// Wraps a fresh mapping in an external ArrayBuffer; takes ownership of addr.
napi_value wrap_mapping(napi_env env, char* addr, size_t len) {
  Segment* s = new Segment{addr, len, 1, 1, true};
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_segs[reinterpret_cast<uintptr_t>(addr)] = s;
  }
  napi_value ab;
  if (napi_create_external_arraybuffer(env, addr, len, finalize_buffer, s, &ab) != napi_ok) {
    finalize_buffer(env, nullptr, s);
    throw_last(env, "napi_create_external_arraybuffer");
    return nullptr;
  }
  return ab;
}

napi_value map_fd(napi_env env, int fd, size_t len, const std::string& name) {
  void* addr = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int e = errno;
  close(fd);  // the mapping keeps the object alive; the fd is no longer needed
  if (addr == MAP_FAILED) return throw_errno(env, "mmap", name, e);
  return wrap_mapping(env, static_cast<char*>(addr), len);
}

// create(name, size) -> ArrayBuffer. Fails with EEXIST if the name is taken (never reuses a
// stale segment by accident). The caller owns the name and must unlink() it.
napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  std::string name;
  double size;
  if (!get_string(env, argv[0], &name) || !get_double(env, argv[1], &size, "size")) return nullptr;
  if (!(size >= 1 && size <= 9007199254740991.0) || size != std::floor(size)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "size must be a positive integer");
    return nullptr;
  }
  size_t len = static_cast<size_t>(size);
  int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return throw_errno(env, "shm_open", name, errno);
  // posix_fallocate, not just ftruncate: a sparse tmpfs file that cannot grow later (a small
  // /dev/shm in a container) kills the process with SIGBUS on first touch. Reserving now turns
  // that into an ENOSPC here. It returns the error instead of setting errno.
  int e = ftruncate(fd, static_cast<off_t>(len)) == 0 ? 0 : errno;
  if (e == 0) e = posix_fallocate(fd, 0, static_cast<off_t>(len));
  if (e != 0) {
    close(fd);
    shm_unlink(name.c_str());
    return throw_errno(env, "reserve", name, e);
  }
  napi_value ab = map_fd(env, fd, len, name);
  if (!ab) shm_unlink(name.c_str());
  return ab;
}

// open(name) -> ArrayBuffer over an existing segment, whole size.
napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  std::string name;
  if (!get_string(env, argv[0], &name)) return nullptr;
  int fd = shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "shm_open", name, errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "fstat", name, e);
  }
  if (st.st_size <= 0) {
    close(fd);
    return throw_errno(env, "open (empty segment)", name, EINVAL);
  }
  return map_fd(env, fd, static_cast<size_t>(st.st_size), name);
}

// unlink(name) -> boolean (false if it was already gone). Existing mappings stay valid; the
// memory is freed by the kernel when the last process unmaps it.
napi_value Unlink(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  std::string name;
  if (!get_string(env, argv[0], &name)) return nullptr;
  bool ok = shm_unlink(name.c_str()) == 0;
  if (!ok && errno != ENOENT) return throw_errno(env, "shm_unlink", name, errno);
  napi_value r;
  napi_get_boolean(env, ok, &r);
  return r;
}

// Looks up the live segment behind an ArrayBuffer; nullptr (with an exception) if none.
Segment* segment_of(napi_env env, napi_value ab, void** data, size_t* len) {
  bool is_ab = false;
  napi_is_arraybuffer(env, ab, &is_ab);
  if (!is_ab || napi_get_arraybuffer_info(env, ab, data, len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected an ArrayBuffer from create()/open()");
    return nullptr;
  }
  Segment* s = *data ? acquire_containing(*data, *len) : nullptr;
  if (!s || s->addr != *data) {
    if (s) release(s, true, true);
    napi_throw_error(env, "ERR_MULTIPROC_SHM_CLOSED",
                     "ArrayBuffer is not an open multiproc shared-memory segment (closed?)");
    return nullptr;
  }
  return s;
}

// close(buffer): detach the ArrayBuffer (every view over it becomes empty, so JS can never touch
// unmapped memory) and unmap now unless a wait is still in flight (then when it ends).
// Idempotent. Does not unlink.
napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  void* data = nullptr;
  size_t len = 0;
  bool is_ab = false, detached = false;
  napi_is_arraybuffer(env, argv[0], &is_ab);
  if (is_ab) napi_is_detached_arraybuffer(env, argv[0], &detached);
  if (is_ab && detached) return nullptr;  // already closed
  Segment* s = segment_of(env, argv[0], &data, &len);
  if (!s) return nullptr;
  CALL(env, napi_detach_arraybuffer(env, argv[0]));
  bool was_open;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    was_open = s->js_open;
    s->js_open = false;
  }
  if (was_open) release(s, true, false);  // the ArrayBuffer's use; its ref goes with finalize
  release(s, true, true);                 // ours from segment_of
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// futex. Not FUTEX_PRIVATE_FLAG: private futexes are keyed by (mm, address) and so only match
// within one process; shared ones are keyed by the underlying page, so two processes mapping the
// same segment at different addresses meet on the same futex.
// ---------------------------------------------------------------------------------------------
enum WaitResult { kOk, kNotEqual, kTimedOut, kError };

// Waits with an absolute CLOCK_MONOTONIC deadline (FUTEX_WAIT_BITSET takes an absolute time), so
// a signal (EINTR) just loops without stretching the timeout.
WaitResult futex_wait(int32_t* addr, int32_t expected, double timeout_ms, int* err) {
  struct timespec deadline, *dl = nullptr;
  if (std::isfinite(timeout_ms)) {
    if (timeout_ms < 0) timeout_ms = 0;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    double ns = static_cast<double>(deadline.tv_nsec) + timeout_ms * 1e6;
    double extra_s = std::floor(ns / 1e9);
    deadline.tv_sec += static_cast<time_t>(extra_s);
    deadline.tv_nsec = static_cast<long>(ns - extra_s * 1e9);
    if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000L; }
    dl = &deadline;
  }
  for (;;) {
    long r = syscall(SYS_futex, addr, FUTEX_WAIT_BITSET, expected, dl, nullptr, FUTEX_BITSET_MATCH_ANY);
    if (r == 0) return kOk;  // woken (callers re-check the cell: wakes may be spurious)
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return kNotEqual;
    if (errno == ETIMEDOUT) return kTimedOut;
    *err = errno;
    return kError;
  }
}

const char* result_name(WaitResult r) {
  return r == kOk ? "ok" : r == kNotEqual ? "not-equal" : "timed-out";
}

// Parses (buffer, byteOffset[, ...]) and pins the segment. Returns the cell or nullptr.
int32_t* cell_of(napi_env env, napi_value* argv, Segment** seg) {
  void* data = nullptr;
  size_t len = 0;
  double off;
  if (!get_double(env, argv[1], &off, "byteOffset")) return nullptr;
  Segment* s = segment_of(env, argv[0], &data, &len);
  if (!s) return nullptr;
  if (!(off >= 0) || off != std::floor(off) || static_cast<size_t>(off) % 4 != 0 ||
      static_cast<size_t>(off) + 4 > len) {
    release(s, true, true);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE",
                           "byteOffset must be a multiple of 4 inside the buffer");
    return nullptr;
  }
  *seg = s;
  return reinterpret_cast<int32_t*>(static_cast<char*>(data) + static_cast<size_t>(off));
}

// The arguments of wait and waitAsync: (buffer, byteOffset, expected, timeoutMs). Returns the
// cell (with its segment held in *seg) or nullptr with a JS exception pending.
int32_t* wait_args(napi_env env, napi_callback_info info, int32_t* expected, double* timeout, Segment** seg) {
  size_t argc = 4;
  napi_value argv[4];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (napi_get_value_int32(env, argv[2], expected) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected must be a number");
    return nullptr;
  }
  if (!get_double(env, argv[3], timeout, "timeoutMs")) return nullptr;
  return cell_of(env, argv, seg);
}

// wait(buffer, byteOffset, expected, timeoutMs) -> "ok" | "not-equal" | "timed-out".
// Blocks the calling JS thread: meant for worker code, like Atomics.wait. Infinity = no timeout.
napi_value Wait(napi_env env, napi_callback_info info) {
  int32_t expected;
  double timeout;
  Segment* s = nullptr;
  int32_t* cell = wait_args(env, info, &expected, &timeout, &s);
  if (!cell) return nullptr;
  int err = 0;
  WaitResult r = futex_wait(cell, expected, timeout, &err);
  release(s, true, true);
  if (r == kError) return throw_errno(env, "futex wait", "", err);
  napi_value out;
  napi_create_string_utf8(env, result_name(r), NAPI_AUTO_LENGTH, &out);
  return out;
}

// wake(buffer, byteOffset, count) -> number of waiters woken (in any process). Infinity = all.
napi_value Wake(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  double count;
  if (!get_double(env, argv[2], &count, "count")) return nullptr;
  int n = !(count >= 0) ? 0 : count >= INT_MAX ? INT_MAX : static_cast<int>(count);
  Segment* s = nullptr;
  int32_t* cell = cell_of(env, argv, &s);
  if (!cell) return nullptr;
  long r = syscall(SYS_futex, cell, FUTEX_WAKE, n, nullptr, nullptr, 0);
  int e = errno;
  release(s, true, true);
  if (r < 0) return throw_errno(env, "futex wake", "", e);
  napi_value out;
  napi_create_int32(env, static_cast<int32_t>(r), &out);
  return out;
}

// waitAsync: the same wait on a native waiter thread, resolved on the JS thread.
//
// Why threads of our own and not napi_async_work: async work runs on libuv's threadpool (4
// threads by default) that fs, dns.lookup, zlib and crypto share. A lock wait parked there for
// seconds would stall the whole process's file I/O, and 4 waiters would take it all; if the
// lock holder in this process then needs fs to release the lock, it deadlocks. A parked thread
// costs only its (small) stack while it sleeps in the kernel.
// Why a cache of them: creating a thread measured ~190 us here (a VM), more than a futex round
// trip between processes (~7 us). So a waiter that finishes takes the next queued wait, and an
// idle one exits after kIdleExit. There are as many threads as waits in flight at the peak.
struct AsyncWait {
  Segment* seg;
  int32_t* cell;
  int32_t expected;
  double timeout;
  napi_deferred deferred;
  struct EnvData* ed;
  WaitResult result;
  int err;
};

constexpr std::chrono::seconds kIdleExit(10);
// Never destroyed, on purpose: at exit(), glibc's pthread_cond_destroy waits for the idle
// waiters blocked in wait_for, so a static q_cv held every process that had used waitAsync
// up to kIdleExit (10 s) past its exit. Leaking the two objects lets exit() go at once.
std::mutex& q_mu = *new std::mutex;
std::condition_variable& q_cv = *new std::condition_variable;
std::deque<AsyncWait*> q_jobs;  // guarded by q_mu
int q_idle = 0;                 // waiter threads blocked on q_cv; guarded by q_mu

// One threadsafe function per env (main thread, each worker thread), made once in Init.
// Why not one per waitAsync: each is an AsyncResource (async_hooks init/destroy, a uv_async
// handle to open and close) made on the JS thread for every wait. The shared one is unref'd
// while nothing waits, so an idle addon never keeps the process alive, and ref'd while a wait is
// pending, so a pending wait does.
// Why `alive` under a mutex: a waiter thread can outlive its env (a worker thread terminated
// mid-wait). Node 20 frees the tsfn at env teardown even if threads still hold it (measured:
// a mutex assertion, then SIGSEGV), so threads check `alive`, which our cleanup hook clears
// BEFORE Node's tsfn cleanup runs (cleanup hooks run in reverse order of registration).
struct EnvData {
  napi_threadsafe_function tsfn;
  int pending;     // waitAsync calls not yet resolved; JS thread only
  std::mutex mu;   // guards alive, refs, and every napi_call_threadsafe_function
  bool alive;      // env not torn down yet
  int refs;        // 1 for the env + 1 per wait in flight
};

void env_unref(EnvData* ed) {
  bool del;
  {
    std::lock_guard<std::mutex> lock(ed->mu);
    del = --ed->refs == 0;
  }
  if (del) delete ed;
}

void env_cleanup(void* arg) {
  EnvData* ed = static_cast<EnvData*>(arg);
  {
    std::lock_guard<std::mutex> lock(ed->mu);
    ed->alive = false;
  }
  env_unref(ed);
}

// Runs on the JS thread (env == nullptr when the env is being torn down).
void resolve_wait(napi_env env, napi_value, void*, void* data) {
  AsyncWait* w = static_cast<AsyncWait*>(data);
  if (env) {
    if (--w->ed->pending == 0) napi_unref_threadsafe_function(env, w->ed->tsfn);
    napi_value v;
    if (w->result == kError) {
      napi_value msg, code;
      std::string m = std::string("futex wait: ") + strerror(w->err);
      napi_create_string_utf8(env, m.c_str(), NAPI_AUTO_LENGTH, &msg);
      napi_create_string_utf8(env, errno_code(w->err), NAPI_AUTO_LENGTH, &code);
      napi_create_error(env, code, msg, &v);
      napi_reject_deferred(env, w->deferred, v);
    } else {
      napi_create_string_utf8(env, result_name(w->result), NAPI_AUTO_LENGTH, &v);
      napi_resolve_deferred(env, w->deferred, v);
    }
  }
  delete w;
}

void run_wait(AsyncWait* w) {
  w->result = futex_wait(w->cell, w->expected, w->timeout, &w->err);
  release(w->seg, true, true);  // the mapping may go now; the result is copied
  EnvData* ed = w->ed;          // w belongs to the JS thread once sent
  bool sent = false;
  {
    std::lock_guard<std::mutex> lock(ed->mu);
    // Unbounded queue: nonblocking never waits, so holding mu here is short.
    if (ed->alive) sent = napi_call_threadsafe_function(ed->tsfn, w, napi_tsfn_nonblocking) == napi_ok;
  }
  if (!sent) delete w;  // env gone: nobody to resolve
  env_unref(ed);
}

void* waiter_main(void*) {
  std::unique_lock<std::mutex> lock(q_mu);
  for (;;) {
    if (q_jobs.empty()) {
      q_idle++;
      bool got = q_cv.wait_for(lock, kIdleExit, [] { return !q_jobs.empty(); });
      q_idle--;
      if (!got) return nullptr;
    }
    AsyncWait* w = q_jobs.front();
    q_jobs.pop_front();
    lock.unlock();
    run_wait(w);
    lock.lock();
  }
}

// Queues w; starts a waiter thread unless an idle one will take it. Returns an errno or 0.
int submit_wait(AsyncWait* w) {
  std::unique_lock<std::mutex> lock(q_mu);
  q_jobs.push_back(w);
  if (q_jobs.size() <= static_cast<size_t>(q_idle)) {
    q_cv.notify_one();
    return 0;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);  // it only sits in one syscall
  pthread_t tid;
  int e = pthread_create(&tid, &attr, waiter_main, nullptr);
  pthread_attr_destroy(&attr);
  if (e != 0) {
    for (auto it = q_jobs.begin(); it != q_jobs.end(); ++it) {
      if (*it == w) { q_jobs.erase(it); return e; }
    }
    return 0;  // an existing waiter already took it
  }
  return 0;
}

// waitAsync(buffer, byteOffset, expected, timeoutMs) -> Promise<"ok"|"not-equal"|"timed-out">.
// The pending wait keeps the event loop alive, as a lock acquisition should.
napi_value WaitAsync(napi_env env, napi_callback_info info) {
  int32_t expected;
  double timeout;
  Segment* s = nullptr;
  int32_t* cell = wait_args(env, info, &expected, &timeout, &s);
  if (!cell) return nullptr;

  napi_value promise;
  AsyncWait* w = new AsyncWait{s, cell, expected, timeout, nullptr, nullptr, kOk, 0};
  if (napi_create_promise(env, &w->deferred, &promise) != napi_ok) {
    release(s, true, true);
    delete w;
    throw_last(env, "napi_create_promise");
    return nullptr;
  }
  // Fast path: no thread when the value already differs (the common "lock just got free" case).
  if (__atomic_load_n(cell, __ATOMIC_SEQ_CST) != expected) {
    release(s, true, true);
    napi_value v;
    napi_create_string_utf8(env, "not-equal", NAPI_AUTO_LENGTH, &v);
    napi_resolve_deferred(env, w->deferred, v);
    delete w;
    return promise;
  }
  EnvData* ed = nullptr;
  napi_get_instance_data(env, reinterpret_cast<void**>(&ed));  // set in Init
  {
    std::lock_guard<std::mutex> lock(ed->mu);
    ed->refs++;
  }
  w->ed = ed;
  if (ed->pending++ == 0) napi_ref_threadsafe_function(env, ed->tsfn);
  int e = submit_wait(w);
  if (e != 0) {
    if (--ed->pending == 0) napi_unref_threadsafe_function(env, ed->tsfn);
    env_unref(ed);
    release(s, true, true);
    delete w;
    return throw_errno(env, "pthread_create", "waitAsync", e);
  }
  return promise;
}

// ---------------------------------------------------------------------------------------------
// Process liveness, for locks whose word holds the owner's pid.
// ---------------------------------------------------------------------------------------------

// Reads /proc/<pid>/stat: returns the state char and (optionally) field 22, starttime.
// The comm field may contain spaces and ')' so parse from the LAST ')'.
bool read_stat(int pid, char* state, unsigned long long* start) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  char* p = strrchr(buf, ')');
  if (!p || p[1] != ' ') return false;
  *state = p[2];
  if (start) {
    // After ") " come fields 3..; starttime is field 22, i.e. 19 spaces after the state.
    char* q = p + 2;
    for (int i = 0; i < 19 && q; i++) q = strchr(q + 1, ' ');
    if (!q) return false;
    *start = strtoull(q + 1, nullptr, 10);
  }
  return true;
}

// dieWithParent(parentPid) -> true. The kernel sends this process SIGKILL when the thread that
// spawned it exits (PR_SET_PDEATHSIG): for a parent spawning from its main thread, when the
// parent dies, however it dies. A parent that died before this call is caught by the getppid()
// check: we have been re-parented already.
napi_value DieWithParent(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t parent;
  if (napi_get_value_int32(env, argv[0], &parent) != napi_ok || parent <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "parentPid must be a positive integer");
    return nullptr;
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    int e = errno;
    napi_throw_error(env, errno_code(e), (std::string("prctl(PR_SET_PDEATHSIG): ") + strerror(e)).c_str());
    return nullptr;
  }
  if (getppid() != parent) kill(getpid(), SIGKILL);
  napi_value r;
  napi_get_boolean(env, true, &r);
  return r;
}

// processAlive(pid) -> boolean. kill(pid, 0) alone says yes for a zombie (a dead child not yet
// reaped by its parent), which would keep a dead owner's lock "held" until the reap.
napi_value ProcessAlive(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t pid;
  if (napi_get_value_int32(env, argv[0], &pid) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "pid must be a number");
    return nullptr;
  }
  bool alive = false;
  if (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)) {
    char state = 0;
    // No /proc (or the process vanished between the calls): trust kill() / say dead.
    if (read_stat(pid, &state, nullptr)) alive = state != 'Z' && state != 'X' && state != 'x';
    else alive = access("/proc/self/stat", F_OK) != 0 && kill(pid, 0) == 0;
  }
  napi_value r;
  napi_get_boolean(env, alive, &r);
  return r;
}

// processStartTime(pid) -> number | null: start time in clock ticks since boot. A lock can keep
// (pid, startTime) to tell its dead owner from a new process that got the same pid.
napi_value ProcessStartTime(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t pid;
  if (napi_get_value_int32(env, argv[0], &pid) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "pid must be a number");
    return nullptr;
  }
  char state;
  unsigned long long start = 0;
  napi_value r;
  if (pid > 0 && read_stat(pid, &state, &start)) napi_create_double(env, static_cast<double>(start), &r);
  else napi_get_null(env, &r);
  return r;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", nullptr, Create, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"unlink", nullptr, Unlink, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"wait", nullptr, Wait, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"waitAsync", nullptr, WaitAsync, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"wake", nullptr, Wake, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"processAlive", nullptr, ProcessAlive, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"processStartTime", nullptr, ProcessStartTime, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"dieWithParent", nullptr, DieWithParent, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) {
    throw_last(env, "napi_define_properties");
    return nullptr;
  }
  EnvData* ed = new EnvData{};
  ed->alive = true;
  ed->refs = 1;
  napi_value name;
  napi_create_string_utf8(env, "multiproc.waitAsync", NAPI_AUTO_LENGTH, &name);
  CALL(env, napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr,
                                            nullptr, resolve_wait, &ed->tsfn));
  CALL(env, napi_unref_threadsafe_function(env, ed->tsfn));
  CALL(env, napi_add_env_cleanup_hook(env, env_cleanup, ed));  // after the tsfn: runs before its
  CALL(env, napi_set_instance_data(env, ed, nullptr, nullptr));
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
