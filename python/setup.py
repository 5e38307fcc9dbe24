"""Builds clpool's C extension, with libclpool compiled into it from the
same source tree (../host, ../include), so that the wheel needs nothing
installed beforehand.

The paths are absolute, computed from this file's location: pip builds a
local directory in place, and a build from anywhere else (an sdist without
the C sources) stops with a message that says what to do instead.

Environment: CLPOOL_WITH_OPENCL=0 builds without the OpenCL backend (it is
built when <CL/cl.h> and libOpenCL are found); CC picks the compiler.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HOST = os.path.join(ROOT, "host")
INCLUDE = os.path.join(ROOT, "include")
KERNELS = os.path.join(ROOT, "kernels")

if not os.path.isfile(os.path.join(INCLUDE, "clpool.h")):
    sys.exit(
        "clpool: the C sources are not at %s. Build the package from the clpool "
        "source tree: pip install ./python (from the repository's top)" % ROOT
    )


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        m = re.search(r"project\(clpool VERSION ([0-9.]+)", f.read())
    return m.group(1) if m else "0.1.0"


def have_opencl():
    """Whether <CL/cl.h> compiles and libOpenCL links, as CMake's find_package."""
    if os.environ.get("CLPOOL_WITH_OPENCL", "1").lower() in ("0", "off", "no", "false"):
        return False
    cc = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "t.c")
        with open(src, "w") as f:
            f.write("#define CL_TARGET_OPENCL_VERSION 120\n#include <CL/cl.h>\n"
                    "int main(void) { cl_uint n; return (int)clGetPlatformIDs(0, 0, &n); }\n")
        try:
            r = subprocess.run([cc, src, "-o", os.path.join(d, "t"), "-lOpenCL"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        return r.returncode == 0


def library_sources(opencl):
    dirs = ["", "clc", "fork"] + (["opencl"] if opencl else [])
    srcs = []
    for d in dirs:
        srcs += sorted(glob.glob(os.path.join(HOST, d, "*.c")))
    return srcs


class BuildExt(build_ext):
    def initialize_options(self):
        super().initialize_options()
        # Forty C files: compile them side by side.
        self.parallel = os.cpu_count() or 1


class BuildPy(build_py):
    """Copies the repository's kernels/*.cl into the package (bench uses them)."""

    def run(self):
        super().run()
        dst = os.path.join(self.build_lib, "clpool", "kernels")
        os.makedirs(dst, exist_ok=True)
        for f in glob.glob(os.path.join(KERNELS, "*.cl")):
            shutil.copy(f, dst)


OPENCL = have_opencl()
# As CMake's Release build of libclpool: -O3 -DNDEBUG.
macros = [("NDEBUG", None), ("_GNU_SOURCE", None), ("CLPOOL_VERSION", '"%s"' % project_version())]
libs = ["m", "dl", "pthread"]
if OPENCL:
    macros += [("CLPOOL_HAVE_OPENCL", None), ("CL_TARGET_OPENCL_VERSION", "120")]
    libs = ["OpenCL"] + libs

ext = Extension(
    "clpool._clpool",
    sources=[os.path.join(HERE, "src", "_clpool.c")] + library_sources(OPENCL),
    include_dirs=[INCLUDE, HOST],
    define_macros=macros,
    libraries=libs,
    extra_compile_args=["-std=c11", "-O3", "-fvisibility=hidden", "-Wno-missing-field-initializers"],
)

setup(ext_modules=[ext], cmdclass={"build_ext": BuildExt, "build_py": BuildPy})
