"""Python's multiprocessing on the benchmark's workloads; prints one JSON object on stdout.

Run by bench/peers/python.ts. Every timing is a list of per-repetition milliseconds; the
TypeScript side takes the medians, so both languages are summarised the same way.
"""
import argparse
import array
import json
import multiprocessing as mp
import platform
import resource
import sys
import time


def square(n):
    return n * n


def spin(iters):
    x = 0
    for i in range(iters):
        x = (x * 31 + i) % 1000003
    return x


def echo(data):
    return data


def ms_since(t0):
    return (time.perf_counter() - t0) * 1000.0


def time_runs(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append(ms_since(t0))
    return samples


def calibrate_spin(target_ms):
    """Iterations of spin() that take about target_ms in this interpreter."""
    iters = 10_000
    while True:
        t0 = time.perf_counter()
        spin(iters)
        elapsed = ms_since(t0)
        if elapsed > 20:
            break
        iters *= 2
    best = min(time_runs(lambda: spin(iters), 0, 3))
    return max(1, int(iters * target_ms / best))


def w1(pool, args):
    def run():
        results = [pool.apply_async(square, (i,)) for i in range(args.w1_tasks)]
        for r in results:
            r.get()
    return {"samples_ms": time_runs(run, args.warmup, args.reps), "tasks": args.w1_tasks}


def w2(pool, args):
    items = list(range(args.w2_items))
    return {"samples_ms": time_runs(lambda: pool.map(square, items), args.warmup, args.reps), "items": args.w2_items}


def w3_paired(pool, iters, args, warmup, reps):
    """Per repetition: the work serially here, then on the pool (see measureSpeedup in w3.ts)."""
    def parallel():
        results = [pool.apply_async(spin, (iters,)) for _ in range(args.w3_tasks)]
        for r in results:
            r.get()
    for _ in range(warmup):
        parallel()
    serial_ms, pool_ms = [], []
    for _ in range(reps):
        serial_ms += time_runs(lambda: [spin(iters) for _ in range(args.w3_tasks)], 0, 1)
        pool_ms += time_runs(parallel, 0, 1)
    return {"serial_ms": serial_ms, "samples_ms": pool_ms, "speedups": [s / p for s, p in zip(serial_ms, pool_ms)]}


def w3(pool, args):
    iters = calibrate_spin(args.w3_ms)
    return {**w3_paired(pool, iters, args, args.cpu_warmup, args.cpu_reps), "iters": iters, "tasks": args.w3_tasks}


def w3_scaling(args):
    iters = calibrate_spin(args.w3_ms)
    out = {"iters": iters, "by_workers": {}}
    for n in args.scaling:
        with mp.Pool(n) as pool:
            out["by_workers"][str(n)] = w3_paired(pool, iters, args, max(1, args.cpu_warmup), args.cpu_reps)
    return out


def w4(pool, args):
    data = array.array("d", bytes(args.w4_bytes))

    def run():
        value = data
        for _ in range(args.w4_round_trips):
            value = pool.apply(echo, (value,))
        assert len(value) == len(data)
    return {"samples_ms": time_runs(run, args.warmup, args.reps), "round_trips": args.w4_round_trips}


def w5(args):
    out = {}
    for method in ("fork", "spawn"):
        ctx = mp.get_context(method)

        def run():
            pool = ctx.Pool(args.workers)
            pool.apply(square, (3,))
            pool.close()
            pool.join()
        out[method] = time_runs(run, args.startup_warmup, args.startup_reps)
    return out


def gen(n):
    for i in range(n):
        yield i


def w6(args):
    t0 = time.perf_counter()
    total = 0
    with mp.Pool(args.workers) as pool:
        for r in pool.imap(square, gen(args.w6_items), chunksize=args.w6_chunksize):
            total += r
    elapsed = ms_since(t0)
    return {"ms": elapsed, "items": args.w6_items, "max_rss_kib": peak_rss_kib()}


def peak_rss_kib():
    """VmHWM of this process. Not ru_maxrss: on Linux that survives execve, so it would report
    the Node.js parent's RSS at the moment it forked this interpreter."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workloads", default="w1,w2,w3,w4,w5")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--cpu-warmup", type=int, default=1)
    p.add_argument("--cpu-reps", type=int, default=3)
    p.add_argument("--startup-warmup", type=int, default=1)
    p.add_argument("--startup-reps", type=int, default=5)
    p.add_argument("--w1-tasks", type=int, default=20_000)
    p.add_argument("--w2-items", type=int, default=200_000)
    p.add_argument("--w3-tasks", type=int, default=16)
    p.add_argument("--w3-ms", type=float, default=50.0)
    p.add_argument("--w4-bytes", type=int, default=16 * 1024 * 1024)
    p.add_argument("--w4-round-trips", type=int, default=20)
    p.add_argument("--w6-items", type=int, default=1_000_000)
    p.add_argument("--w6-chunksize", type=int, default=1000)
    p.add_argument("--scaling", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4, 8, 16])
    args = p.parse_args()
    wanted = args.workloads.split(",")

    results = {"python": platform.python_version(), "start_method": mp.get_start_method()}
    pool_workloads = [w for w in ("w1", "w2", "w3", "w4") if w in wanted]
    if pool_workloads:
        with mp.Pool(args.workers) as pool:
            pool.map(square, range(100))  # workers up and warm
            for name in pool_workloads:
                results[name] = globals()[name](pool, args)
    if "w5" in wanted:
        results["w5"] = w5(args)
    if "w6" in wanted:
        results["w6"] = w6(args)
    if "w3scaling" in wanted:
        results["w3scaling"] = w3_scaling(args)
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
