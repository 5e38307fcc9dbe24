"""Every exception with its attributes; a crash and a timeout followed by a
working map; Ctrl-C during a long map."""
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import clpool
from conftest import SAXPY


def test_build_error_has_the_log(pool):
    with pytest.raises(clpool.BuildError) as e:
        pool.program("__kernel void f(__global int *x)\n{\n    x[0] = undeclared;\n}\n")
    assert "undeclared" in e.value.log
    assert ":3:" in e.value.log  # the .cl file's own line
    assert e.value.status == -4 and e.value.status_name == "CLPOOL_EBUILD"
    assert isinstance(e.value, clpool.Error)


def test_kernel_not_found(pool):
    prog = pool.program(SAXPY)
    with pytest.raises(clpool.KernelNotFound, match="saxpy"):
        prog.kernel("nope")
    with pytest.raises(clpool.KernelNotFound):
        prog.nope
    assert not hasattr(prog, "nope")
    assert hasattr(prog, "saxpy")


@pytest.mark.parametrize("case,pattern", [
    ("dtype", "parameter 1 'x'.*float64"),
    ("noncontig", "parameter 1 'x'.*not C-contiguous"),
    ("short", "parameter 2 'y'.*too short"),
    ("count", "takes 3 arguments, 2 given"),
    ("range", "parameter 0 'a'.*out of range"),
    ("type", "parameter 0 'a'.*expected a number"),
    ("npscalar", "parameter 0 'a'.*float64"),
    ("const_out", "parameter 1 'x'.*const"),
    ("local", "parameter 0 'a'.*by-value"),
])
def test_argument_errors(saxpy, case, pattern):
    n = 100
    x = np.ones(n, np.float32)
    y = np.zeros(n, np.float32)
    args = {
        "dtype": (n, 1.0, x.astype(np.float64), y),
        "noncontig": (n, 1.0, np.ones(2 * n, np.float32)[::2], y),
        "short": (n, 1.0, x, y[:50]),
        "count": (n, 1.0, x),
        "range": (n, 1e39, x, y),
        "type": (n, "2", x, y),
        "npscalar": (n, np.float64(1.0), x, y),
        "const_out": (n, 1.0, clpool.Out(x), y),
        "local": (n, clpool.Local(16), x, y),
    }[case]
    with pytest.raises(clpool.ArgumentError, match=pattern) as e:
        saxpy.map(*args)
    assert e.value.status == -6
    assert (y == 0).all()  # nothing ran


def test_integer_range_checked(pool):
    k = pool.program("__kernel void f(__global int *o, uchar c) { o[0] = c; }").f
    o = np.zeros(1, np.int32)
    with pytest.raises(clpool.ArgumentError, match=r"256 is out of range \[0, 255\]"):
        k.map(1, o, 256)
    with pytest.raises(clpool.ArgumentError, match="out of range"):
        k.map(1, o, -1)
    with pytest.raises(clpool.ArgumentError, match="float"):
        k.map(1, o, 1.5)


def test_closed_pool():
    p = clpool.Pool()
    k = p.program(SAXPY).saxpy
    p.close()
    p.close()
    with pytest.raises(clpool.Error, match="closed"):
        k.map(1, 1.0, np.ones(1, np.float32), np.ones(1, np.float32))


CRASH = """
__kernel void crash(__global int *x, const int bad)
{
    size_t i = get_global_id(0);
    if ((int)i == bad)
        *(volatile __global int *)0 = 1;
    x[i] = (int)i;
}
"""


def test_worker_death_then_a_working_map(pool, is_fork):
    if not is_fork:
        pytest.skip("a crashing kernel would take the OpenCL driver's process with it")
    k = pool.program(CRASH).crash
    x = np.zeros(1000, np.int32)
    with pytest.raises(clpool.WorkerError) as e:
        k.map(1000, x, 500)
    assert e.value.pid is not None and e.value.pid > 0
    assert e.value.signal in (signal.SIGSEGV, signal.SIGBUS)
    assert "killed by" in str(e.value)
    k.map(1000, x, -1)
    assert (x == np.arange(1000)).all()


def test_worker_error_parses_the_message():
    e = clpool.WorkerError("worker 1 (pid 4321) was killed by SIGSEGV while running items [0, 5) "
                           "of kernel 'k'", -7)
    assert e.pid == 4321 and e.signal == signal.SIGSEGV
    e = clpool.WorkerError("worker 0 (pid 77) exited with status 3 while running kernel 'k'", -7)
    assert e.pid == 77 and e.signal is None and e.exit_status == 3


SPIN = """
__kernel void spin(__global int *x, const int forever)
{
    size_t i = get_global_id(0);
    volatile int go = 1;
    while (forever && go) { }
    x[i] = 1;
}
"""


def test_timeout_then_a_working_map(is_fork):
    if not is_fork:
        pytest.skip("an OpenCL CPU device cannot stop a kernel that never ends")
    with clpool.Pool(timeout=0.5) as p:
        k = p.program(SPIN).spin
        x = np.zeros(64, np.int32)
        with pytest.raises(clpool.Timeout) as e:
            k.map(64, x, 1)
        assert e.value.status == -8
        k.map(64, x, 0)
        assert (x == 1).all()


def test_no_device():
    # In a child: a process that loaded an OpenCL driver may not fork workers.
    code = textwrap.dedent("""
        import clpool
        try:
            clpool.Pool(backend="opencl", device="no-such-device-anywhere")
        except clpool.NoDevice as e:
            print("NoDevice", e.status)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "NoDevice -3" in out.stdout, out.stdout + out.stderr


def test_ctrl_c_during_a_long_map(is_fork):
    # In a child, so that SIGINT is the child's own. The map spins until the
    # pool's timeout (fork) or for a few seconds (OpenCL); Ctrl-C comes after
    # 0.3 s and must be seen at once; the pool then still works.
    code = textwrap.dedent("""
        import os, signal, threading, time, numpy as np, clpool
        # Ctrl-C as a terminal gives it: a child of a background job (as
        # .ci/run is when started with &) inherits SIGINT ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        src = '''__kernel void spin(__global int *x, const uint iters)
        { size_t i = get_global_id(0); uint v = (uint)i;
          for (uint j = 0; j < iters; j++) v = v * 1664525u + 1013904223u;
          x[i] = (int)(v | 1u); }'''
        with clpool.Pool(timeout=%(timeout)s) as p:
            k = p.program(src).spin
            x = np.zeros(1 << 17, np.int32)
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
            t = time.perf_counter()
            try:
                k.map(len(x), x, %(iters)d)
                print("no interrupt")
            except KeyboardInterrupt:
                print("interrupted after %%.2f s" %% (time.perf_counter() - t))
            y = np.zeros(16, np.int32)
            k.map(16, y, 1)
            print("then", int((y != 0).sum()))
    """) % {"timeout": "3" if is_fork else "None", "iters": 2**31 if is_fork else 200000}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    lines = out.stdout.split("\n")
    assert lines[0].startswith("interrupted after"), out.stdout + out.stderr
    assert float(lines[0].split()[2]) < 1.5, out.stdout
    assert "then 16" in out.stdout, out.stdout + out.stderr
