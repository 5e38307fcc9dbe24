"""Handles and their owners: closing with maps in flight, objects outliving
their pool, dropped references, forked children."""
import gc
import multiprocessing
import threading

import numpy as np
import pytest

import clpool
from conftest import SAXPY


def test_close_waits_for_maps_in_flight():
    p = clpool.Pool()
    k = p.program(SAXPY).saxpy
    n = 200000
    x = np.ones(n, np.float32)
    ys = [np.zeros(n, np.float32) for _ in range(6)]
    futs = [k.map_async(n, 1.0, x, y) for y in ys]
    p.close()
    assert all(f.done() for f in futs)
    assert all(f.exception() is None for f in futs)
    assert all((y == 1).all() for y in ys)


def test_objects_outlive_a_closed_pool():
    p = clpool.Pool()
    prog = p.program(SAXPY)
    k = prog.saxpy
    b = p.buffer(64)
    p.close()
    with pytest.raises(clpool.Error, match="closed"):
        prog.kernel("saxpy")
    with pytest.raises(clpool.Error, match="closed"):
        b.write(np.zeros(4, np.float32))
    del prog, k, b
    gc.collect()


def test_dropped_references_during_async_maps():
    # The future is all the caller keeps: the pool, program, kernel and
    # arrays stay alive until the map is done.
    def start():
        p = clpool.Pool()
        k = p.program(SAXPY).saxpy
        x = np.ones(1000, np.float32)
        y = np.zeros(1000, np.float32)
        return k.map_async(1000, 3.0, x, y), y

    fut, y = start()
    gc.collect()
    fut.result(timeout=60)
    assert (y == 3).all()
    gc.collect()


def test_buffer_of_another_pool_is_refused(pool, saxpy):
    with clpool.Pool() as other:
        b = other.buffer(400)
        with pytest.raises(clpool.ArgumentError, match="another pool"):
            saxpy.map(100, 1.0, b, np.zeros(100, np.float32))


def test_buffer_bounds(pool):
    b = pool.buffer(16)
    with pytest.raises(clpool.Error):
        b.write(np.zeros(8, np.float32))  # 32 bytes into 16
    with pytest.raises(clpool.Error):
        b.read(np.zeros(4, np.float32), offset=8)
    b.free()
    with pytest.raises(clpool.Error, match="freed"):
        b.read(np.zeros(4, np.float32))


def _child(q):
    q.put(sum(range(10)))


def test_forked_child_leaves_the_pool_alone(pool, saxpy):
    # multiprocessing's fork children inherit the Pool object; they must not
    # close the parent's pool when they go.
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    ch = ctx.Process(target=_child, args=(q,))
    ch.start()
    assert q.get(timeout=60) == 45
    ch.join(60)
    x = np.ones(10, np.float32)
    y = np.zeros(10, np.float32)
    saxpy.map(10, 1.0, x, y)
    assert (y == 1).all()


def test_concurrent_async_from_threads(pool, saxpy):
    n = 100000
    x = np.ones(n, np.float32)
    out = {}

    def run(i):
        y = np.full(n, i, np.float32)
        out[i] = (saxpy.map_async(n, 1.0, x, y), y)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for i, (f, y) in out.items():
        f.result(timeout=60)
        assert (y == i + 1).all()


def test_host_memory_arrays():
    p = clpool.Pool()
    k = p.program(SAXPY).saxpy
    n = 3 * 1024 * 1024  # past the chunk limit: used in place on fork
    x = p.empty(n, np.float32)
    y = p.zeros((1024, 3072), np.float32)
    x[:] = 2
    k.map(n, 1.5, x, y)
    assert (y == 3).all() and y.shape == (1024, 3072)
    p.close()
    # The arrays still hold their memory after close; the pool takes no maps.
    assert y[5, 5] == 3
    with pytest.raises(clpool.Error, match="closed"):
        k.map(n, 1.5, x, y)
    del x, y
    gc.collect()
    assert p.closed
