#!/bin/sh
# ctest's python tests: pip-installs ./python into a venv kept in the build
# folder (reinstalled only when a source file is newer than the last
# install), then runs the pytest suite on one backend.
#   python_suite.sh SOURCE_DIR BUILD_DIR fork|pocl
# Exit 77 (skipped) where python3, its headers or python3 -m venv are
# missing, or for pocl where no OpenCL CPU device is there.
set -eu
src=$1
build=$2
which=$3
venv="$build/python-venv"
stamp="$venv/.clpool-installed"

if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 is not installed: skipped"
    exit 77
fi
# Python.h, which the C extension needs (Debian: python3-dev).
if ! python3 -c "import os, sysconfig, sys; \
        sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))"; then
    echo "Python's headers (python3-dev) are not installed: skipped"
    exit 77
fi

# One install at a time: ctest -j runs the two tests side by side.
exec 9>"$build/python-venv.lock"
flock 9

if [ ! -x "$venv/bin/pip" ]; then
    rm -rf "$venv"
    # Debian's python3 without python3-venv has no ensurepip: skip.
    if ! python3 -m venv "$venv" >"$build/python-venv.log" 2>&1; then
        cat "$build/python-venv.log"
        rm -rf "$venv"
        echo "python3 -m venv does not work here (Debian: python3-venv): skipped"
        exit 77
    fi
fi
if [ ! -f "$stamp" ] || [ -n "$(find "$src/python" "$src/host" "$src/include" "$src/kernels" \
        -newer "$stamp" -type f ! -path '*/__pycache__/*' ! -path '*/build/*' \
        ! -path '*.egg-info*' -print -quit)" ]; then
    "$venv/bin/pip" install -q --disable-pip-version-check pytest
    "$venv/bin/pip" install -q --disable-pip-version-check "$src/python"
    touch "$stamp"
fi
flock -u 9

cd "$src/python/tests"
case "$which" in
fork)
    CLPOOL_BACKEND=fork exec "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider
    ;;
pocl)
    if ! CLPOOL_BACKEND=opencl CLPOOL_DEVICE=cpu "$venv/bin/python" -c \
            "import clpool; clpool.Pool()" >/dev/null 2>&1; then
        echo "no OpenCL CPU device: skipped"
        exit 77
    fi
    CLPOOL_BACKEND=opencl CLPOOL_DEVICE=cpu exec "$venv/bin/python" -m pytest -q -rs \
        -p no:cacheprovider
    ;;
*)
    echo "usage: $0 SOURCE_DIR BUILD_DIR fork|pocl" >&2
    exit 2
    ;;
esac
