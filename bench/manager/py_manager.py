# Python's side of bench/manager.ts: a Manager's dict, set then get, N round trips REPS times
# after a warm-up; prints the milliseconds of each rep as a JSON list.
import json
import multiprocessing as mp
import sys
import time

if __name__ == "__main__":
    n, reps = int(sys.argv[1]), int(sys.argv[2])
    with mp.Manager() as manager:
        d = manager.dict()
        for i in range(n // 10):
            d["k"] = i
            d["k"]
        samples = []
        for _ in range(reps):
            t0 = time.perf_counter()
            for i in range(n):
                d["k"] = i
                d["k"]
            samples.append((time.perf_counter() - t0) * 1000)
    print(json.dumps(samples))
