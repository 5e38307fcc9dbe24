#!/bin/sh
# ctest's python tests: pip-installs ./python into a venv kept in the build
# folder (reinstalled only when a source file is newer than the last
# install), then runs the pytest suite on one backend.
#   python_suite.sh SOURCE_DIR BUILD_DIR fork|pocl
# Exit 77 (skipped) where python3 -m venv is missing, or for pocl where no
# OpenCL CPU device is there.
set -eu
src=$1
build=$2
which=$3
venv="$build/python-venv"
stamp="$venv/.clpool-installed"

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    echo "python3 with venv/ensurepip is not installed: skipped"
    exit 77
fi

# One install at a time: ctest -j runs the two tests side by side.
exec 9>"$build/python-venv.lock"
flock 9

if [ ! -x "$venv/bin/python" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
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
