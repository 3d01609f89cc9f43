"""CPython's multiprocessing.pool on the workloads of bench/compare.ts.

Run by compare.ts as `python3 bench/compare.py '<json config>'`; prints one
JSON object on stdout and progress on stderr. Medians in milliseconds.
"""

import itertools
import json
import math
import os
import platform
import statistics
import sys
import time
from multiprocessing import Pool, Process, SimpleQueue
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


def floor_worker(tasks, results):
    while True:
        job = tasks.get()
        if job is None:
            return
        i, n = job
        results.put((i, fib(n)))


class Floor:
    """Two bare processes (no pool) pulling one task at a time from one shared queue: the ideal balance."""

    def __init__(self, procs):
        self.tasks, self.results = SimpleQueue(), SimpleQueue()
        self.procs = [Process(target=floor_worker, args=(self.tasks, self.results)) for _ in range(procs)]
        for p in self.procs:
            p.start()

    def map(self, items):
        for job in enumerate(items):
            self.tasks.put(job)
        out = [None] * len(items)
        for _ in items:
            i, v = self.results.get()
            out[i] = v
        return out

    def close(self):
        for _ in self.procs:
            self.tasks.put(None)
        for p in self.procs:
            p.join()


PHI = (1 + 5 ** 0.5) / 2


def fib_shift(cfg):
    """How much to lower every fib argument so CPython's tasks last about as long as the JS runtime's."""
    n = cfg["calibrationN"] - 5
    best = min(timed(lambda: fib(n)) for _ in range(3)) * PHI ** 5
    return max(0, round(math.log(best / cfg["jsCalibrationMs"]) / math.log(PHI)))


def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def shapes_run(cfg, procs, shift):
    """Pool.map (default chunksize) and the bare floor on each shape, in interleaved rounds."""
    progress(f"CPU shapes, fib arguments lowered by {shift}")
    out = {"shift": shift, "shapes": {}}
    floor = Floor(procs)
    with Pool(procs) as pool:
        pool.map(square, range(procs * 4), 1)
        for shape in cfg["shapes"]:
            items = [max(0, n - shift) for n in shape["items"]]
            progress(f"shape {shape['id']}")
            got = []
            first_pool = timed(lambda: got.append(pool.map(fib, items)))
            first_floor = timed(lambda: got.append(floor.map(items)))
            if got[0] != got[1]:
                raise RuntimeError(f"Pool.map and the floor disagree on {shape['id']}")
            pools, floors = [], []
            for r in range(cfg["shapeReps"]):
                runs = [(pools, lambda: pool.map(fib, items)), (floors, lambda: floor.map(items))]
                if r % 2:
                    runs.reverse()
                for samples, fn in runs:
                    samples.append(timed(fn))
            out["shapes"][shape["id"]] = {
                "n": len(items),
                "pool": statistics.median(pools),
                "floor": statistics.median(floors),
                "firstPool": first_pool,
                "firstFloor": first_floor,
                "samples": len(pools),
            }
    floor.close()
    return out


def main():
    cfg = json.loads(sys.argv[1])
    reps, budget = cfg["reps"], cfg["budget_s"]
    procs = cfg["processes"]
    tiny = list(range(cfg["tiny"]))
    per_msg = list(range(cfg["perMessage"]))
    # The same shape of CPU work as the JS runtime's, with tasks about as long.
    shift = fib_shift(cfg)
    fibs = [max(0, cfg["fibN"] - shift)] * cfg["fibCount"]
    out = {"version": platform.python_version(), "implementation": platform.python_implementation(),
           "fibShift": shift, "results": {}}
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
    if cfg.get("shapes"):
        out["cpuShapes"] = shapes_run(cfg, procs, shift)
    out["seconds"] = time.perf_counter() - t
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
