"""Shared fixtures. The backend comes from the environment, as clpool.Pool()
takes it: CLPOOL_BACKEND=fork, or CLPOOL_BACKEND=opencl CLPOOL_DEVICE=cpu for
PoCL. One process never mixes the two: a process that has loaded an OpenCL
driver may not fork workers."""
import os
import tempfile

import numpy as np
import pytest

import clpool

os.environ.setdefault("CLPOOL_CACHE_DIR", os.path.join(tempfile.gettempdir(), "clpool-pytest-cache"))


def backend():
    return os.environ.get("CLPOOL_BACKEND", "auto")


@pytest.fixture(scope="session")
def pool():
    with clpool.Pool() as p:
        yield p


@pytest.fixture
def is_fork(pool):
    return pool.describe.startswith("fork")


SAXPY = """
__kernel void saxpy(const float a, __global const float *x, __global float *y)
{
    size_t i = get_global_id(0);
    y[i] = a * x[i] + y[i];
}
"""


@pytest.fixture(scope="session")
def saxpy(pool):
    return pool.program(SAXPY).saxpy


def rng():
    return np.random.default_rng(1234)


def build_or_skip(pool, source):
    """Builds source, skipping the test where the backend refuses a construct
    it does not run yet (the fork backend's __local memory, vector types
    without clang)."""
    try:
        return pool.program(source)
    except clpool.BuildError as e:
        if "fork backend" in str(e) and ("cannot run" in str(e) or "only with clang" in str(e)):
            pytest.skip(str(e).splitlines()[0])
        raise
