"""python -m clpool.bench: saxpy, Black-Scholes and Mandelbrot through clpool,
against numpy, multiprocessing.Pool (numpy on each chunk) and, where it is
installed, PyOpenCL (the same .cl kernels on its first device), as a table
of medians.

    python -m clpool.bench [--size SCALE] [--reps N] [--workers N] [--skip NAMES]
    python -m clpool.bench --overhead --c-build BUILD_DIR

--overhead measures what the Python layer costs over the C API: a one-item
map and saxpy over 2^24 floats, from Python and from a small C program
(python/bench_c_overhead.c, compiled against BUILD_DIR's libclpool), on the
same backend, in one run.

clpool's pool is opened before anything else touches OpenCL (a process that
has loaded an OpenCL driver may not fork workers), and PyOpenCL runs last,
after multiprocessing has forked its children.
"""
import argparse
import json
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import clpool

MAX_ITER = 256


def median_time(fn, reps, warm=1):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


# ------------------------------------------------------------ the workloads

def make_data(scale):
    r = np.random.default_rng(7)
    n_saxpy = int((1 << 24) * scale)
    n_bs = int((1 << 22) * scale)
    w = max(16, int(1024 * math.sqrt(scale)))
    return {
        "saxpy": dict(n=n_saxpy, x=r.random(n_saxpy, dtype=np.float32),
                      y=r.random(n_saxpy, dtype=np.float32)),
        "blackscholes": dict(n=n_bs, S=r.uniform(5, 30, n_bs).astype(np.float32),
                             K=r.uniform(1, 100, n_bs).astype(np.float32),
                             T=r.uniform(0.25, 10, n_bs).astype(np.float32)),
        "mandelbrot": dict(n=w * w, w=w),
    }


def np_saxpy(x, y):
    """y = 2 x + y in place, as clpool's kernel does it."""
    y += np.float32(2.0) * x
    return y


def np_cnd(d):
    a1, a2, a3, a4, a5 = 0.319381530, -0.356563782, 1.781477937, -1.821255978, 1.330274429
    k = 1.0 / (1.0 + 0.2316419 * np.abs(d))
    poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))))
    c = np.float32(0.39894228040143267794) * np.exp(-0.5 * d * d) * poly
    return np.where(d > 0, 1.0 - c, c).astype(np.float32)


def np_blackscholes(S, K, T, r=np.float32(0.02), v=np.float32(0.30)):
    sqrt_t = np.sqrt(T)
    d1 = (np.log(S / K) + (r + np.float32(0.5) * v * v) * T) / (v * sqrt_t)
    d2 = d1 - v * sqrt_t
    disc = np.exp(-r * T)
    call = S * np_cnd(d1) - K * disc * np_cnd(d2)
    put = K * disc * np_cnd(-d2) - S * np_cnd(-d1)
    return call, put


def np_mandelbrot_rows(w, row0, row1):
    ys = np.float32(-1.5) + np.arange(row0, row1, dtype=np.float32)[:, None] * np.float32(3.0 / w)
    xs = np.float32(-2.0) + np.arange(w, dtype=np.float32)[None, :] * np.float32(3.0 / w)
    cx = np.broadcast_to(xs, (row1 - row0, w)).ravel().copy()
    cy = np.broadcast_to(ys, (row1 - row0, w)).ravel().copy()
    x = np.zeros_like(cx)
    y = np.zeros_like(cy)
    n = np.zeros(cx.shape, np.uint32)
    live = np.arange(cx.size)
    for _ in range(MAX_ITER):
        xl, yl = x[live], y[live]
        inside = xl * xl + yl * yl <= 4.0
        live = live[inside]
        if live.size == 0:
            break
        xl, yl = xl[inside], yl[inside]
        xt = xl * xl - yl * yl + cx[live]
        y[live] = 2.0 * xl * yl + cy[live]
        x[live] = xt
        n[live] += 1
    return n


# --------------------------------------------------------- multiprocessing

def _mp_saxpy(args):
    x, y = args
    return np_saxpy(x, y)


def _mp_bs(args):
    return np_blackscholes(*args)


def _mp_mandel(args):
    return np_mandelbrot_rows(*args)


def mp_runs(d, procs):
    pool = multiprocessing.get_context("fork").Pool(procs)
    chunks = procs * 4

    def saxpy():
        s = d["saxpy"]
        parts = zip(np.array_split(s["x"], chunks), np.array_split(s["y"], chunks))
        return np.concatenate(pool.map(_mp_saxpy, parts))

    def bs():
        b = d["blackscholes"]
        parts = zip(*(np.array_split(b[k], chunks) for k in "SKT"))
        return pool.map(_mp_bs, parts)

    def mandel():
        w = d["mandelbrot"]["w"]
        bounds = np.linspace(0, w, chunks * 4 + 1).astype(int)
        parts = [(w, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
        return np.concatenate(pool.map(_mp_mandel, parts))

    return pool, {"saxpy": saxpy, "blackscholes": bs, "mandelbrot": mandel}


# ----------------------------------------------------------------- clpool

def clpool_runs(pool, d, host_memory=False):
    """The three maps; host_memory: every array in pool.empty memory (the
    fork backend uses it in place) instead of ordinary numpy arrays."""
    kd = clpool.kernels_dir()
    ks = {name: pool.program_file(os.path.join(kd, name + ".cl")).kernel(name)
          for name in ("saxpy", "blackscholes", "mandelbrot")}
    if host_memory:
        def place(a):
            h = pool.empty(a.shape, a.dtype)
            h[...] = a
            return h
        d = {"saxpy": dict(d["saxpy"], x=place(d["saxpy"]["x"]), y=place(d["saxpy"]["y"])),
             "blackscholes": dict(d["blackscholes"], **{k: place(d["blackscholes"][k])
                                                        for k in "SKT"}),
             "mandelbrot": d["mandelbrot"]}
        new = pool.empty
    else:
        new = np.empty
    s, b, m = d["saxpy"], d["blackscholes"], d["mandelbrot"]
    y_out = new(s["n"], np.float32)
    y_out[...] = s["y"]
    call = new(b["n"], np.float32)
    put = new(b["n"], np.float32)
    img = new(m["n"], np.uint32)
    w = m["w"]

    def saxpy():
        ks["saxpy"].map(s["n"], 2.0, s["x"], y_out)  # in place, as numpy's

    def bs():
        ks["blackscholes"].map(b["n"], b["S"], b["K"], b["T"], clpool.Out(call), clpool.Out(put),
                               0.02, 0.30)

    def mandel():
        ks["mandelbrot"].map(m["n"], clpool.Out(img), w, -2.0, -1.5, 3.0 / w, 3.0 / w, MAX_ITER)

    def check():
        saxpy()
        np.testing.assert_allclose(y_out, np_saxpy(s["x"], s["y"].copy()), rtol=1e-5)
        bs()
        ref_c, _ = np_blackscholes(b["S"][:4096], b["K"][:4096], b["T"][:4096])
        np.testing.assert_allclose(call[:4096], ref_c, rtol=1e-3, atol=1e-3)
        mandel()
        ref = np_mandelbrot_rows(w, 0, 8)
        assert (np.abs(img[:8 * w].astype(np.int64) - ref) <= 1).mean() > 0.99

    return {"saxpy": saxpy, "blackscholes": bs, "mandelbrot": mandel}, check


# ---------------------------------------------------------------- PyOpenCL

def pyopencl_runs(d):
    try:
        import pyopencl as cl
    except ImportError:
        return None, "not installed"
    try:
        ctx = cl.create_some_context(interactive=False)
    except Exception as e:  # no platform
        return None, "no device (%s)" % e
    q = cl.CommandQueue(ctx)
    kd = clpool.kernels_dir()
    progs = {}
    for n in ("saxpy", "blackscholes", "mandelbrot"):
        with open(os.path.join(kd, n + ".cl")) as f:
            prog = cl.Program(ctx, f.read()).build()
        progs[n] = cl.Kernel(prog, n)  # retrieved once, as PyOpenCL advises
    mf = cl.mem_flags
    s, b, m = d["saxpy"], d["blackscholes"], d["mandelbrot"]
    w = m["w"]

    def saxpy():
        # As a user of PyOpenCL writes it: buffers from the arrays, the
        # kernel, the result back.
        xb = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=s["x"])
        yb = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=s["y"])
        progs["saxpy"](q, (s["n"],), None, np.float32(2.0), xb, yb)
        out = np.empty_like(s["y"])
        cl.enqueue_copy(q, out, yb)
        return out

    def bs():
        ins = [cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=b[k]) for k in "SKT"]
        cb = cl.Buffer(ctx, mf.WRITE_ONLY, 4 * b["n"])
        pb = cl.Buffer(ctx, mf.WRITE_ONLY, 4 * b["n"])
        progs["blackscholes"](q, (b["n"],), None, *ins, cb, pb, np.float32(0.02),
                                           np.float32(0.30))
        call = np.empty(b["n"], np.float32)
        put = np.empty(b["n"], np.float32)
        cl.enqueue_copy(q, call, cb)
        cl.enqueue_copy(q, put, pb)

    def mandel():
        ib = cl.Buffer(ctx, mf.WRITE_ONLY, 4 * m["n"])
        progs["mandelbrot"](q, (m["n"],), None, ib, np.uint32(w), np.float32(-2.0),
                                       np.float32(-1.5), np.float32(3.0 / w), np.float32(3.0 / w),
                                       np.uint32(MAX_ITER))
        img = np.empty(m["n"], np.uint32)
        cl.enqueue_copy(q, img, ib)

    dev = ctx.devices[0]
    plat = dev.platform.name.strip()
    what = "PoCL" if "Portable Computing Language" in plat else dev.name.strip()[:24]
    return {"saxpy": saxpy, "blackscholes": bs, "mandelbrot": mandel}, what


# ---------------------------------------------------------------- overhead

def c_overhead_exe(c_build):
    here = os.path.dirname(os.path.abspath(__file__))
    root = None
    for cand in (os.path.join(here, "..", "..", ".."), os.getcwd(), os.path.join(os.getcwd(), "..")):
        if os.path.isfile(os.path.join(cand, "python", "bench_c_overhead.c")):
            root = os.path.abspath(cand)
            break
    if root is None:
        sys.exit("--overhead needs the source tree: run it from the repository's top")
    exe = os.path.join(c_build, "bench_c_overhead")
    subprocess.run(["cc", "-O2", "-std=c11", "-D_GNU_SOURCE", "-I", os.path.join(root, "include"),
                    os.path.join(root, "python", "bench_c_overhead.c"), "-o", exe,
                    "-L", c_build, "-lclpool", "-Wl,-rpath," + os.path.abspath(c_build)],
                   check=True)
    return [exe, os.path.join(root, "kernels", "saxpy.cl")]


def c_overhead(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def inprocess_overhead(k, pool, batches=21, per_batch=2000, big_reps=21):
    """The same pool and the same arrays, the C API (clpool_map called
    straight from C, arguments built once) against the package, one batch
    or map of each in turn, so that a busy spell weighs on both alike."""
    x1 = np.ones(1, np.float32)
    y1 = np.ones(1, np.float32)
    for _ in range(per_batch):
        k.map(1, 2.0, x1, y1)
    k._c_saxpy_loop(per_batch, 1, 2.0, x1, y1)
    c1, p1 = [], []
    for _ in range(batches):
        c1.append(k._c_saxpy_loop(per_batch, 1, 2.0, x1, y1) / per_batch)
        t = time.perf_counter()
        for _ in range(per_batch):
            k.map(1, 2.0, x1, y1)
        p1.append((time.perf_counter() - t) / per_batch)
    n = 1 << 24
    x = np.ones(n, np.float32)
    y = np.ones(n, np.float32)
    for _ in range(2):
        k._c_saxpy_loop(1, n, 2.0, x, y)
        k.map(n, 2.0, x, y)
    cb, pb = [], []
    for _ in range(big_reps):
        cb.append(k._c_saxpy_loop(1, n, 2.0, x, y))
        t = time.perf_counter()
        k.map(n, 2.0, x, y)
        pb.append(time.perf_counter() - t)
    c, p = statistics.median(cb), statistics.median(pb)
    return ({"one_item_us": statistics.median(c1) * 1e6, "saxpy24_gbs": 12.0 * n / c / 1e9},
            {"one_item_us": statistics.median(p1) * 1e6, "saxpy24_gbs": 12.0 * n / p / 1e9})


def py_overhead(k, pool, batches=21, per_batch=2000, big_reps=11):
    x1 = np.ones(1, np.float32)
    y1 = np.ones(1, np.float32)
    for _ in range(per_batch):
        k.map(1, 2.0, x1, y1)
    ts = []
    for _ in range(batches):
        t = time.perf_counter()
        for _ in range(per_batch):
            k.map(1, 2.0, x1, y1)
        ts.append((time.perf_counter() - t) / per_batch)
    n = 1 << 24
    x = np.ones(n, np.float32)
    y = np.ones(n, np.float32)
    big = median_time(lambda: k.map(n, 2.0, x, y), big_reps)
    del x, y
    hx = pool.empty(n, np.float32)
    hy = pool.empty(n, np.float32)
    hx[:] = 1
    hy[:] = 1
    host = median_time(lambda: k.map(n, 2.0, hx, hy), big_reps)
    return {"one_item_us": statistics.median(ts) * 1e6, "saxpy24_ms": big * 1e3,
            "saxpy24_gbs": 12.0 * n / big / 1e9, "host_gbs": 12.0 * n / host / 1e9}


# ------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m clpool.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=float, default=1.0, help="scale of every workload (default 1)")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per cell (median; default 5)")
    ap.add_argument("--workers", type=int, default=0, help="multiprocessing processes (0: CPUs)")
    ap.add_argument("--skip", default="", help="comma-separated: numpy,multiprocessing,pyopencl")
    ap.add_argument("--overhead", action="store_true", help="Python vs C: one-item map and saxpy 2^24")
    ap.add_argument("--c-build", default="build", help="CMake build dir with libclpool (--overhead)")
    ap.add_argument("--no-second-backend", action="store_true",
                    help="do not also time clpool on the other backend (in a child process)")
    ap.add_argument("--clpool-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    pool = clpool.Pool()  # first: before anything loads an OpenCL driver
    print("clpool:", pool.describe)

    if a.overhead:
        # Rounds of C then Python, each figure the median over the rounds,
        # so that a busy spell weighs on both sides alike.
        cmd = c_overhead_exe(a.c_build)
        k = pool.program_file(os.path.join(clpool.kernels_dir(), "saxpy.cl")).saxpy
        rounds = [(c_overhead(cmd), py_overhead(k, pool)) for _ in range(a.reps)]
        cres = {f: statistics.median(r[0][f] for r in rounds) for f in rounds[0][0]}
        pres = {f: statistics.median(r[1][f] for r in rounds) for f in rounds[0][1]}
        print("%d rounds of C then Python; medians over the rounds" % a.reps)
        print("%-34s %12s %12s %10s" % ("", "C API", "Python", "Python-C"))
        print("%-34s %10.2f us %10.2f us %+8.2f us" % (
            "one-item map (median of 21x2000)", cres["one_item_us"], pres["one_item_us"],
            pres["one_item_us"] - cres["one_item_us"]))
        print("%-34s %9.1f GB/s %8.1f GB/s %9.3fx" % (
            "saxpy 2^24 floats (median of 11)", cres["saxpy24_gbs"], pres["saxpy24_gbs"],
            pres["saxpy24_gbs"] / cres["saxpy24_gbs"]))
        print("%-34s %12s %8.1f GB/s %9.3fx" % (
            "  the same in pool.empty arrays", "", pres["host_gbs"],
            pres["host_gbs"] / cres["saxpy24_gbs"]))
        ic, ip = inprocess_overhead(k, pool)
        print("in one process, the same pool and arrays, C and Python in turn:")
        print("%-34s %10.2f us %10.2f us %+8.2f us" % (
            "one-item map (median of 21x2000)", ic["one_item_us"], ip["one_item_us"],
            ip["one_item_us"] - ic["one_item_us"]))
        print("%-34s %9.1f GB/s %8.1f GB/s %9.3fx" % (
            "saxpy 2^24 floats (median of 21)", ic["saxpy24_gbs"], ip["saxpy24_gbs"],
            ip["saxpy24_gbs"] / ic["saxpy24_gbs"]))
        pool.close()
        return 0

    skip = set(filter(None, a.skip.split(",")))
    d = make_data(a.size)
    procs = a.workers or clpool.cpu_count()
    runs, check = clpool_runs(pool, d)
    check()
    names = ["saxpy", "blackscholes", "mandelbrot"]
    table = {n: {} for n in names}
    backend = pool.describe.split(":")[0]
    main_col = "clpool (%s)" % backend
    for n in names:
        table[n][main_col] = median_time(runs[n], a.reps)
    cols = [main_col]
    if not a.clpool_only:
        hruns, hcheck = clpool_runs(pool, d, host_memory=True)
        hcheck()
        hcol = "clpool (%s, pool.empty)" % backend
        cols.append(hcol)
        for n in names:
            table[n][hcol] = median_time(hruns[n], a.reps)
        del hruns, hcheck
    pool.close()
    if a.clpool_only:
        print(json.dumps({n: table[n][main_col] for n in names}))
        return 0
    if not a.no_second_backend:
        # The other backend, in a child: a process never mixes fork and OpenCL.
        env = dict(os.environ)
        env.update({"CLPOOL_BACKEND": "opencl", "CLPOOL_DEVICE": "cpu"} if backend == "fork"
                   else {"CLPOOL_BACKEND": "fork"})
        r = subprocess.run([sys.executable, "-m", "clpool.bench", "--clpool-only",
                            "--size", str(a.size), "--reps", str(a.reps)],
                           env=env, capture_output=True, text=True)
        if r.returncode == 0:
            lines = r.stdout.strip().splitlines()
            col = "clpool (%s)" % env["CLPOOL_BACKEND"]
            cols.append(col)
            for n, t in json.loads(lines[-1]).items():
                table[n][col] = t
            print("clpool, second backend:", lines[0].split(":", 1)[1].split(";")[0].strip())
        else:
            print("clpool on %s: not run (%s)" % (env["CLPOOL_BACKEND"],
                                                  (r.stderr.strip().splitlines() or ["?"])[-1]))
    if "numpy" not in skip:
        y_np = d["saxpy"]["y"].copy()
        np_fns = {
            "saxpy": lambda: np_saxpy(d["saxpy"]["x"], y_np),
            "blackscholes": lambda: np_blackscholes(*(d["blackscholes"][k] for k in "SKT")),
            "mandelbrot": lambda: np_mandelbrot_rows(d["mandelbrot"]["w"], 0, d["mandelbrot"]["w"]),
        }
        for n in names:
            table[n]["numpy"] = median_time(np_fns[n], max(1, min(a.reps, 3)))
    if "multiprocessing" not in skip:
        mpool, fns = mp_runs(d, procs)
        for n in names:
            table[n]["multiprocessing.Pool(%d)" % procs] = median_time(fns[n], max(1, min(a.reps, 3)))
        mpool.close()
        mpool.join()
    cols += ["numpy", "multiprocessing.Pool(%d)" % procs]
    if "pyopencl" not in skip:
        fns, what = pyopencl_runs(d)
        if fns is None:
            print("PyOpenCL:", what)
        else:
            col = "PyOpenCL (%s)" % what
            cols.append(col)
            for n in names:
                table[n][col] = median_time(fns[n], a.reps)

    sizes = {"saxpy": "%d floats" % d["saxpy"]["n"],
             "blackscholes": "%d options" % d["blackscholes"]["n"],
             "mandelbrot": "%dx%d, %d iter" % (d["mandelbrot"]["w"], d["mandelbrot"]["w"], MAX_ITER)}
    cols = [c for c in cols if any(c in table[n] for n in names)]
    print()
    print("| workload | size | " + " | ".join(cols) + " |")
    print("|---|---|" + "---:|" * len(cols))
    for n in names:
        base = table[n][main_col]
        cells = []
        for c in cols:
            t = table[n].get(c)
            if t is None:
                cells.append("-")
            elif c == main_col:
                cells.append("%.1f ms" % (t * 1e3))
            else:
                cells.append("%.1f ms (%.1fx)" % (t * 1e3, t / base))
        print("| %s | %s | %s |" % (n, sizes[n], " | ".join(cells)))
    print("\nmedians of %d runs (numpy and multiprocessing: of %d); (Nx): time / %s's time"
          % (a.reps, max(1, min(a.reps, 3)), main_col))
    return 0


if __name__ == "__main__":
    sys.exit(main())
