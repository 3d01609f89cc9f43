"""CPython's multiprocessing.pool on the workloads of bench/compare.ts.

Run by compare.ts as `python3 bench/compare.py '<json config>'`; prints one
JSON object on stdout and progress on stderr. Medians in milliseconds.
"""

import itertools
import json
import os
import platform
import statistics
import sys
import time
from multiprocessing import Pool
from multiprocessing.pool import ThreadPool


def square(x):
    return x * x


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def progress(message):
    print(f"  [cpython] {message}", file=sys.stderr, flush=True)


def measure(name, fn, n, reps, budget_s):
    """Median wall time of fn() in ms over up to `reps` runs (after one warm-up) within `budget_s`."""
    progress(name)
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < reps and (not times or time.perf_counter() - start < budget_s):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return {"n": n, "ms": statistics.median(times), "min": min(times), "samples": len(times)}


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_run(pool, total, chunksize, checkpoints, pause_s):
    produced = 0

    def endless():
        nonlocal produced
        for i in itertools.count():
            produced += 1
            yield i

    points = []
    it = pool.imap(square, endless(), chunksize)
    for k, _ in enumerate(it, 1):
        if k in checkpoints:
            points.append({"results": k, "rss": rss(), "readAhead": produced - k})
            if k >= total:
                break
            if k == min(checkpoints):
                time.sleep(pause_s)  # a slow consumer: pause once
    return points


def main():
    cfg = json.loads(sys.argv[1])
    reps, budget = cfg["reps"], cfg["budget_s"]
    procs = cfg["processes"]
    tiny = list(range(cfg["tiny"]))
    per_msg = list(range(cfg["perMessage"]))
    fibs = [cfg["fibN"]] * cfg["fibCount"]
    out = {"version": platform.python_version(), "implementation": platform.python_implementation(), "results": {}}
    res = out["results"]

    t = time.perf_counter()
    with Pool(procs) as pool:
        pool.apply(square, (3,))
        res["Pool.map"] = measure("Pool.map", lambda: pool.map(square, tiny), len(tiny), reps, budget)
        res["Pool.map chunksize=1"] = measure(
            "Pool.map chunksize=1", lambda: pool.map(square, per_msg, 1), len(per_msg), reps, budget)
        res["Pool.imap chunksize=1"] = measure(
            "Pool.imap chunksize=1", lambda: list(pool.imap(square, per_msg, 1)), len(per_msg), reps, budget)
        res["Pool.map fib"] = measure("Pool.map fib", lambda: pool.map(fib, fibs), len(fibs), cfg["fibReps"], budget)
        res["Pool.imap memory"] = memory_run(pool, cfg["memory"], cfg["memoryChunk"], set(cfg["checkpoints"]), cfg["pauseMs"] / 1000)
    res["fib one thread"] = measure("fib one thread", lambda: [fib(x) for x in fibs], len(fibs), cfg["fibReps"], budget)
    with ThreadPool(procs) as tpool:
        tpool.apply(square, (3,))
        res["ThreadPool.map"] = measure("ThreadPool.map", lambda: tpool.map(square, tiny), len(tiny), reps, budget)

    def startup():
        start = time.perf_counter()
        p = Pool(procs)
        p.apply(square, (3,))
        first = (time.perf_counter() - start) * 1000
        p.terminate()
        p.join()
        return first

    progress("Pool start-up")
    startups = [startup() for _ in range(cfg["startupReps"])]
    res["Pool start-up"] = {"n": 1, "ms": statistics.median(startups), "min": min(startups), "samples": len(startups)}

    def first_map():
        start = time.perf_counter()
        p = Pool(procs)
        p.map(square, tiny)
        first = (time.perf_counter() - start) * 1000
        p.terminate()
        p.join()
        return first

    progress("Pool first map")
    firsts = [first_map() for _ in range(cfg["startupReps"])]
    res["Pool.map first call"] = {"n": len(tiny), "ms": statistics.median(firsts), "min": min(firsts), "samples": len(firsts)}
    out["seconds"] = time.perf_counter() - t
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
