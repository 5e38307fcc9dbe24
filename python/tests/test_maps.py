"""Results against numpy: maps, ranges, async maps, buffers, wrappers."""
import os
import threading
import time

import numpy as np
import pytest

import clpool
from conftest import SAXPY, build_or_skip, rng


def test_describe_and_repr(pool):
    assert pool.describe.split(":")[0] in ("fork", "opencl")
    assert "clpool.Pool" in repr(pool)
    assert clpool.cpu_count() >= 1


def test_saxpy(saxpy):
    x = rng().random(10007, dtype=np.float32)
    y = rng().random(10007, dtype=np.float32)
    want = np.float32(2.5) * x + y
    saxpy.map(len(x), 2.5, x, y)
    np.testing.assert_allclose(y, want, rtol=1e-6)


def test_params(saxpy):
    assert saxpy.name == "saxpy"
    assert [p[1] for p in saxpy.params] == ["scalar", "global", "global"]
    assert saxpy.params[1][5] is True and saxpy.params[2][5] is False


def test_chunked_big_map(saxpy):
    # Bigger than the default 4 MiB chunk, and watched for Ctrl-C.
    n = 3 * 1024 * 1024 + 17
    x = np.ones(n, np.float32)
    y = np.arange(n, dtype=np.float32)
    saxpy.map(n, 2.0, x, y)
    np.testing.assert_array_equal(y[:5], [2, 3, 4, 5, 6])
    assert y[-1] == np.float32(n - 1 + 2)


def test_builtin_kernels_against_numpy(pool):
    prog = pool.program_file(os.path.join(clpool.kernels_dir(), "blackscholes.cl"))
    n = 5000
    r = rng()
    S = r.uniform(5, 30, n).astype(np.float32)
    K = r.uniform(1, 100, n).astype(np.float32)
    T = r.uniform(0.25, 10, n).astype(np.float32)
    call = np.zeros(n, np.float32)
    put = np.zeros(n, np.float32)
    prog.blackscholes.map(n, S, K, T, clpool.Out(call), clpool.Out(put), 0.02, 0.30)
    from math import erf, sqrt
    cnd = np.vectorize(lambda d: 0.5 * (1 + erf(d / sqrt(2))))
    s, k, t = S.astype(np.float64), K.astype(np.float64), T.astype(np.float64)
    d1 = (np.log(s / k) + (0.02 + 0.045) * t) / (0.3 * np.sqrt(t))
    d2 = d1 - 0.3 * np.sqrt(t)
    want = s * cnd(d1) - k * np.exp(-0.02 * t) * cnd(d2)
    np.testing.assert_allclose(call, want, rtol=1e-3, atol=1e-3)


def test_scalar_types(pool):
    src = """
    __kernel void f(__global long *out, char c, uchar uc, short s, ushort us, int i, uint u,
                    long l, ulong ul, double d, float f)
    {
        out[0] = c; out[1] = uc; out[2] = s; out[3] = us; out[4] = i; out[5] = (long)u;
        out[6] = l; out[7] = (long)ul; out[8] = (long)(d * 2); out[9] = (long)(f * 2);
    }"""
    k = pool.program(src).f
    out = np.zeros(10, np.int64)
    k.map(1, clpool.Whole(out), -5, 250, -30000, 60000, -2**31, 2**32 - 1, -2**63, 2**63 - 1, 1.5, 2.5)
    assert list(out) == [-5, 250, -30000, 60000, -2**31, 2**32 - 1, -2**63, 2**63 - 1, 3, 5]
    # numpy scalars of the exact type are taken as they are (out is whole:
    # item 0 writes all ten elements).
    k.map(1, clpool.Whole(out), np.int8(1), np.uint8(2), np.int16(3), np.uint16(4), np.int32(5), np.uint32(6),
          np.int64(7), np.uint64(8), np.float64(4.5), np.float32(5.5))
    assert list(out) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]


def test_vector_scalar_and_array(pool):
    src = """
    __kernel void v(__global float4 *out, const float4 add)
    {
        size_t i = get_global_id(0);
        out[i] = out[i] + add;
    }"""
    k = build_or_skip(pool, src).v
    out = np.zeros((8, 4), np.float32)
    k.map(8, out, (1.0, 2.0, 3.0, 4.0))
    k.map(8, out, np.array([1, 1, 1, 1], np.float32))
    np.testing.assert_array_equal(out, np.tile([2, 3, 4, 5], (8, 1)))


def test_wrappers_in_out(pool):
    src = """
    __kernel void copy(__global float *dst, __global float *src)
    { size_t i = get_global_id(0); dst[i] = src[i] * 2; }"""
    k = pool.program(src).copy
    src_arr = np.arange(100, dtype=np.float32)
    src_arr.setflags(write=False)  # a read-only array is fine as In
    dst = np.zeros(100, np.float32)
    k.map(100, clpool.Out(dst), clpool.In(src_arr))
    np.testing.assert_array_equal(dst, src_arr * 2)
    with pytest.raises(clpool.ArgumentError, match="read-only"):
        k.map(100, dst, src_arr)


def test_buffer_round_trip(pool, saxpy):
    n = 1000
    x = np.arange(n, dtype=np.float32)
    with pool.buffer(x) as bx, pool.buffer(4 * n) as by:
        by.write(np.ones(n, np.float32))
        saxpy.map(n, 3.0, bx, by)
        saxpy.map(n, 1.0, bx, by)
        out = np.empty(n, np.float32)
        by.read(out)
    np.testing.assert_array_equal(out, 4 * x + 1)


def test_pool_map_shorthand(pool, saxpy):
    x = np.ones(10, np.float32)
    y = np.zeros(10, np.float32)
    pool.map(saxpy, 10, 1.0, x, y)
    pool.map(SAXPY, 10, 1.0, x, y)  # source with one kernel: built once, kept
    assert list(y) == [2.0] * 10
    assert saxpy(10, 1.0, x, y) is None and y[0] == 3.0


def test_zero_items(saxpy):
    saxpy.map(0, 1.0, np.zeros(0, np.float32), np.zeros(0, np.float32))


def test_map_async(pool, saxpy):
    n = 50000
    x = np.ones(n, np.float32)
    ys = [np.full(n, i, np.float32) for i in range(4)]
    futs = [saxpy.map_async(n, 2.0, x, y) for y in ys]
    for f in futs:
        assert f.result(timeout=60) is None
    for i, y in enumerate(ys):
        assert (y == i + 2).all()


def test_map_async_error_in_future(pool):
    k = pool.program("__kernel void f(__global int *x) { x[get_global_id(0)] = 1; }").f
    x = np.zeros(16, np.int32)
    # A local size that does not divide the global size: the map's own
    # error, which comes back through its future.
    fut = k.map_async(16, x, local=3)
    with pytest.raises(clpool.Error, match="3"):
        fut.result(timeout=60)
    k.map_async(16, x).result(timeout=60)
    assert (x == 1).all()


def test_map_range_2d(pool):
    src = """
    __kernel void idx(__global uint *out, const uint width)
    {
        // Absolute ids, as OpenCL kernels index: with an offset, clpool shifts
        // host arrays so that element 0 is the range's first item.
        size_t x = get_global_id(0), y = get_global_id(1);
        out[y * width + x] = (uint)(y * 1000 + x);
    }"""
    k = pool.program(src).idx
    w, h = 64, 32
    out = np.zeros(w * h, np.uint32)
    k.map_range((w, h), out, w, local=(16, 4))
    yy, xx = np.mgrid[0:h, 0:w]
    np.testing.assert_array_equal(out.reshape(h, w), yy * 1000 + xx)
    out[:] = 0
    k.map_range((w, h), out, w, offset=(3, 5))
    np.testing.assert_array_equal(out.reshape(h, w), (yy + 5) * 1000 + xx + 3)
    fut = k.map_async((w, h), out, w, local=(8, 8))
    fut.result(timeout=60)
    np.testing.assert_array_equal(out.reshape(h, w), yy * 1000 + xx)


def test_local_and_whole(pool):
    src = """
    __kernel void sums(__global const float *x, __global float *group_sums, __local float *tmp)
    {
        size_t l = get_local_id(0), g = get_group_id(0), n = get_local_size(0);
        tmp[l] = x[get_global_id(0)];
        barrier(CLK_LOCAL_MEM_FENCE);
        if (l == 0) {
            float s = 0;
            for (size_t j = 0; j < n; j++) s += tmp[j];
            group_sums[g] = s;
        }
    }"""
    k = build_or_skip(pool, src).sums
    x = np.arange(256, dtype=np.float32)
    sums = np.zeros(256 // 32, np.float32)
    k.map_range(256, x, clpool.Whole(clpool.Out(sums)), clpool.Local(32 * 4), local=32)
    np.testing.assert_array_equal(sums, x.reshape(-1, 32).sum(axis=1))


def test_gil_released_during_map(pool):
    src = """
    __kernel void spin(__global uint *out, const uint iters)
    {
        size_t i = get_global_id(0);
        uint v = (uint)i;
        for (uint j = 0; j < iters; j++) v = v * 1664525u + 1013904223u;
        out[i] = v;
    }"""
    k = pool.program(src).spin
    out = np.zeros(256, np.uint32)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    # Calibrate to a map of more than half a second.
    iters = 1 << 16
    while True:
        t = time.perf_counter()
        k.map(256, out, iters)
        if time.perf_counter() - t > 0.5 or iters >= 1 << 30:
            break
        iters *= 4
    th = threading.Thread(target=count)
    th.start()
    time.sleep(0.01)
    before = len(ticks)
    t = time.perf_counter()
    k.map(256, out, iters)  # a small map: runs in this thread, with the GIL released
    took = time.perf_counter() - t
    during = len(ticks) - before
    stop.set()
    th.join()
    # With the GIL held through the map the thread would make no step at all.
    assert during >= 3, "the counting thread made %d steps during a %.2f s map" % (during, took)


def test_threads_share_a_pool(pool, saxpy):
    n = 2000
    errs = []

    def work(i):
        try:
            x = np.ones(n, np.float32)
            y = np.full(n, i, np.float32)
            for _ in range(20):
                saxpy.map(n, 1.0, x, y)
            assert (y == i + 20).all()
        except Exception as e:  # pragma: no cover
            errs.append(e)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errs == []


def test_numpy_integers_as_sizes(saxpy):
    x = np.ones(8, np.float32)
    y = np.zeros(8, np.float32)
    saxpy.map(np.int64(8), 1.0, x, y)
    saxpy.map_range((np.int32(8),), 1.0, x, y)
    assert (y == 2).all()


def test_struct_arguments(pool):
    src = """
    typedef struct { float a; int b; } pair;
    __kernel void s(__global const pair *in, __global float *out, const pair k)
    {
        size_t i = get_global_id(0);
        out[i] = in[i].a * k.a + (float)(in[i].b + k.b);
    }"""
    k = pool.program(src).s
    dt = np.dtype([("a", np.float32), ("b", np.int32)])
    arr = np.zeros(100, dt)
    arr["a"] = np.arange(100)
    arr["b"] = 1
    out = np.zeros(100, np.float32)
    k.map(100, arr, out, np.array([(2.0, 3)], dt))
    np.testing.assert_array_equal(out, np.arange(100) * 2 + 4)
    with pytest.raises(clpool.ArgumentError, match="bytes"):
        k.map(100, arr, out, np.zeros(3, np.float32))
