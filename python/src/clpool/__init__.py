"""clpool: OpenCL C map kernels over numpy arrays.

clpool runs an OpenCL C kernel once per item over arrays, on an OpenCL device
(a GPU, or PoCL's CPU device) or, without one, on a pool of forked worker
processes that run the same kernel compiled to native code. It is what
``multiprocessing.Pool.map`` is for Python functions, for numeric kernels::

    import clpool, numpy as np
    src = '''__kernel void saxpy(float a, __global const float *x, __global float *y)
             { size_t i = get_global_id(0); y[i] = a * x[i] + y[i]; }'''
    x = np.arange(1000, dtype=np.float32); y = np.ones(1000, np.float32)
    with clpool.Pool() as pool:
        print(pool.describe)
        k = pool.program(src).saxpy
        k.map(len(x), 2.0, x, y)        # y = 2 x + y

Arguments are matched to the kernel's parameters as the library's parser read
them: Python numbers are converted to the declared scalar type (range
checked), numpy scalars must have that exact type, numpy arrays are host
arrays (C-contiguous, dtype checked against the pointee type; ``const``
pointers are inputs, the others are copied in and out: wrap an array in
:class:`In`, :class:`Out`, :class:`InOut` or :class:`Whole` to say
otherwise), :class:`Buffer` objects stay on the device, and :class:`Local`
gives a ``__local`` parameter its bytes. A mismatch raises
:class:`ArgumentError` naming the parameter before anything runs.

Every map, build and wait releases the GIL. Ctrl-C during a long blocking map
raises ``KeyboardInterrupt`` at once; see :meth:`Kernel.map` for what happens
to the map.
"""
import atexit
import concurrent.futures
import os
import re
import signal as _signal
import threading
import weakref

from . import _clpool

__all__ = [
    "Pool", "Program", "Kernel", "Buffer", "Local", "In", "Out", "InOut", "Whole",
    "Error", "BuildError", "KernelNotFound", "ArgumentError", "WorkerError", "Timeout",
    "NoDevice", "cpu_count", "kernels_dir", "__version__",
]

__version__ = _clpool.version

Local = _clpool.Local


# ---------------------------------------------------------------- exceptions

class Error(Exception):
    """A clpool call failed. ``str(e)`` is clpool_errmsg's detail.

    Attributes: ``status`` (the negative CLPOOL_E* code), ``status_name``
    ("CLPOOL_EBUILD", ...), ``message``.
    """

    def __init__(self, message="", status=-1):
        super().__init__(message)
        self.message = message
        self.status = status
        self.status_name = _clpool.strerror(status)[0]


class BuildError(Error):
    """The program did not build; ``log`` is the compiler's whole log, with the
    .cl file's line numbers."""

    def __init__(self, message="", status=_clpool.CLPOOL_EBUILD):
        super().__init__(message, status)
        self.log = message


class KernelNotFound(Error, AttributeError):
    """No __kernel of that name in the program (the message lists those it has).
    Also an AttributeError, so that ``hasattr(prog, "name")`` works."""


class ArgumentError(Error, TypeError):
    """The arguments do not match the kernel's parameters (the message names the
    parameter). Raised before anything runs. Also a TypeError."""


class WorkerError(Error):
    """A worker process died during the map.

    ``pid`` is the dead worker's process id and ``signal`` the signal that
    killed it (a :class:`signal.Signals`), each None when the message does not
    say (a worker that exited, or an OpenCL backend)."""

    _RE = re.compile(r"\(pid (\d+)\) (?:was killed by (SIG[A-Z0-9]+)|exited with status (\d+))?")

    def __init__(self, message="", status=_clpool.CLPOOL_EWORKER):
        super().__init__(message, status)
        self.pid = None
        self.signal = None
        self.exit_status = None
        m = self._RE.search(message)
        if m:
            self.pid = int(m.group(1))
            if m.group(2):
                try:
                    self.signal = _signal.Signals[m.group(2)]
                except KeyError:
                    self.signal = None
            if m.group(3):
                self.exit_status = int(m.group(3))


class Timeout(Error):
    """The map ran past the pool's time limit (``Pool(timeout=...)``)."""


class NoDevice(Error):
    """No usable device or backend (the message says why)."""


_ERRORS = {
    _clpool.CLPOOL_EINVAL: Error,
    _clpool.CLPOOL_ENOMEM: Error,
    _clpool.CLPOOL_ENODEV: NoDevice,
    _clpool.CLPOOL_EBUILD: BuildError,
    _clpool.CLPOOL_ENOKERNEL: KernelNotFound,
    _clpool.CLPOOL_EARG: ArgumentError,
    _clpool.CLPOOL_EWORKER: WorkerError,
    _clpool.CLPOOL_ETIMEDOUT: Timeout,
    0: Error,
}


# ------------------------------------------------------------------ wrappers

class In(_clpool._HostArg):
    """An array the kernel only reads: copied to the device, never back."""
    __slots__ = ()

    def __init__(self, array):
        super().__init__(array, _clpool.MODE_IN, False)

    def __repr__(self):
        return "In(%r)" % (self.array,)


class Out(_clpool._HostArg):
    """An array the kernel only writes: copied back, never in (its contents
    before the map do not reach the kernel)."""
    __slots__ = ()

    def __init__(self, array):
        super().__init__(array, _clpool.MODE_OUT, False)

    def __repr__(self):
        return "Out(%r)" % (self.array,)


class InOut(_clpool._HostArg):
    """An array copied in and back (the default for non-const pointers)."""
    __slots__ = ()

    def __init__(self, array):
        super().__init__(array, _clpool.MODE_INOUT, False)

    def __repr__(self):
        return "InOut(%r)" % (self.array,)


class Whole(_clpool._HostArg):
    """A whole array that any work-item may index (a table, a counter, a
    stencil's input): copied whole, never chunked. ``Whole(x)`` takes its
    direction from the parameter; ``Whole(In(x))``, ``Whole(Out(x))`` and
    ``Whole(InOut(x))`` say it."""
    __slots__ = ()

    def __init__(self, array):
        mode = _clpool.MODE_DEFAULT
        if isinstance(array, _clpool._HostArg):
            mode, array = array.mode, array.array
        super().__init__(array, mode, True)

    def __repr__(self):
        return "Whole(%r)" % (self.array,)


class Buffer(_clpool._Buffer):
    """Device memory that stays on the device across maps: ``Buffer(pool,
    nbytes)`` or ``pool.buffer(nbytes)``. Pass it for a __global pointer
    parameter; copy with :meth:`write` and :meth:`read`."""

    def __repr__(self):
        return "<clpool.Buffer %d bytes>" % self.nbytes

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()


# ---------------------------------------------------------- pools and maps

_live_pools = weakref.WeakSet()


@atexit.register
def _close_pools():
    # Before the interpreter goes: the waiter threads need the GIL to finish.
    for p in list(_live_pools):
        try:
            p.close()
        except Exception:
            pass


def _range(v, what):
    if v is None:
        return None
    if isinstance(v, int):
        return (v,)
    return tuple(v)


class Kernel(_clpool._Kernel):
    """A __kernel function of a program (``prog.kernel(name)`` or ``prog.name``).

    ``params`` describes its parameters as the library's parser read them:
    (name, kind, type, base, size, const) tuples, kind one of "scalar",
    "global", "constant", "local", "other"; None for a kernel declared by a
    macro (then arrays are inout by their itemsize, scalars must be numpy
    scalars of the exact type).
    """

    # map(n, *args) is the C method (see its docstring), so that a call costs
    # what it costs from C.

    def map_range(self, global_size, *args, local=None, offset=None):
        """Runs the kernel over an N-D range: ``global_size`` an int or a
        tuple of 1 to 3 ints, ``local`` the work-group size (None: clpool
        picks; the kernel's reqd_work_group_size if it has one), ``offset``
        what get_global_offset returns. Host arrays hold one element per
        work-item, dimension 0 fastest (a kernel over (w, h) indexing
        y * w + x takes arrays of w * h elements). Blocks, like map."""
        return self._run(None, global_size, local, offset, *args)

    def map_async(self, n, *args, local=None, offset=None):
        """Starts the map and returns a :class:`concurrent.futures.Future`
        at once; ``n`` may be a tuple for an N-D range, as in map_range. The
        future is resolved from clpool's waiter thread (result None, or the
        map's exception). The arrays must stay untouched until it is done;
        clpool keeps them alive. The pool runs its async maps one after
        another, in the order they were started."""
        fut = concurrent.futures.Future()
        fut.set_running_or_notify_cancel()
        self._run(fut, n, local, offset, *args)
        return fut

    def __call__(self, n, *args):
        """``k(n, *args)`` is ``k.map(n, *args)``."""
        return self.map(n, *args)

    def __repr__(self):
        return "<clpool.Kernel %s>" % self.name


class Program(_clpool._Program):
    """A built OpenCL C program (``pool.program(source)`` or
    ``pool.program_file(path)``). Its kernels: ``prog.kernel(name)`` or
    ``prog.name``. ``log`` holds the build's warnings."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self.kernel(name)

    def __repr__(self):
        return "<clpool.Program>"


class Pool(_clpool._Pool):
    """A pool that runs maps: an OpenCL device or forked worker processes.

    ``Pool(backend="auto", device=None, workers=0, cache_dir=None,
    timeout=None)``: backend "auto" (an OpenCL GPU if there is one, else
    fork workers; CLPOOL_BACKEND refines it), "opencl" or "fork"; device an
    OpenCL device filter ("gpu", "cpu", part of a name); workers the number
    of fork processes (0: one per CPU); cache_dir the build cache (None:
    the default per-user cache, "": none); timeout the limit of each map in
    seconds (None: CLPOOL_TIMEOUT_MS or none). Arguments left at their
    defaults take the CLPOOL_* environment variables.

    A context manager: leaving the ``with`` block closes the pool, after
    the maps in flight have finished.
    """

    def __init__(self, backend="auto", device=None, workers=0, cache_dir=None, timeout=None):
        if cache_dir is not None:
            cache_dir = os.fspath(cache_dir)
        timeout_ms = None
        if timeout is not None:
            if timeout < 0:
                raise Error("timeout must not be negative", _clpool.CLPOOL_EINVAL)
            timeout_ms = max(1, int(round(timeout * 1000))) if timeout > 0 else 0
        super().__init__(backend, device, workers, cache_dir, timeout_ms)
        _live_pools.add(self)

    # describe (a property), close(), program(source, options=None) and
    # program_file(path, options=None) come from the C type.

    def buffer(self, nbytes_or_array):
        """A :class:`Buffer` of nbytes, or one holding a copy of an array."""
        if isinstance(nbytes_or_array, int):
            return Buffer(self, nbytes_or_array)
        mv = memoryview(nbytes_or_array)
        b = Buffer(self, mv.nbytes)
        b.write(nbytes_or_array)
        return b

    def empty(self, shape, dtype=float):
        """A numpy array in memory that the pool's maps use without a copy
        (clpool_host_alloc: on the fork backend, the workers' shared arena,
        so host arrays in it are neither staged nor chunked). Its contents
        start undefined. The memory lives as long as the array does; a pool
        closed while such arrays live stops taking maps at once and releases
        its workers when the last of them goes."""
        import numpy as np
        dt = np.dtype(dtype)
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        count = 1
        for d in shape:
            count *= int(d)
        mem = _clpool._HostMem(self, max(1, count * dt.itemsize))
        return np.frombuffer(mem, dtype=dt, count=count).reshape(shape)

    def zeros(self, shape, dtype=float):
        """:meth:`empty`, filled with zeros."""
        a = self.empty(shape, dtype)
        a[...] = 0
        return a

    def map(self, kernel, n, *args):
        """``pool.map(kernel, n, *args)``: kernel a :class:`Kernel`, or OpenCL
        C source with exactly one __kernel (built once and kept)."""
        if isinstance(kernel, str):
            kernel = self._source_kernel(kernel)
        return kernel.map(n, *args)

    def _source_kernel(self, source):
        cache = self.__dict__.setdefault("_sources", {})
        k = cache.get(source)
        if k is None:
            names = re.findall(r"\b(?:__)?kernel\s+void\s+(\w+)", source)
            if len(names) != 1:
                raise ArgumentError(
                    "pool.map with source: the source must define exactly one __kernel "
                    "(found %d); build it with pool.program and pass a Kernel" % len(names),
                    _clpool.CLPOOL_EARG)
            k = cache[source] = self.program(source).kernel(names[0])
        return k

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if self.closed:
            return "<clpool.Pool closed>"
        return "<clpool.Pool %s>" % self.describe.split(";")[0]


def cpu_count():
    """The CPUs this process may run on: the fork backend's default worker count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def kernels_dir():
    """The folder of the built-in kernels (saxpy.cl, blackscholes.cl, ...)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernels")


_clpool._setup(_ERRORS, Program, Kernel, threading.main_thread().ident)
