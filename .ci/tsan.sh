#!/usr/bin/env bash
# ThreadSanitizer job.
#
#   .ci/tsan.sh SOURCE_DIR [BUILD_DIR] [TEST_REGEX]
#
# Configures SOURCE_DIR with -DCLPOOL_SANITIZE=thread (Debug) in BUILD_DIR
# (default SOURCE_DIR/build-tsan), builds it, and runs the tests that use
# threads: threads_maps (two threads on one pool, and on two pools, on every
# backend present), the fork backend's tests and the faults tests (a killer
# thread beside a running map). Any ThreadSanitizer report fails the job;
# .ci/tsan.supp holds the suppressions, for driver noise only, each
# commented.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "${1:?usage: $0 SOURCE_DIR [BUILD_DIR] [TEST_REGEX]}" && pwd)"
build="${2:-$src/build-tsan}"
mkdir -p "$build"
build="$(cd "$build" && pwd)"
regex="${3:-^(threads_|fork_|faults_)}"
jobs=${JOBS:-$(nproc)}

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCLPOOL_SANITIZE=thread >/dev/null
cmake --build "$build" -j"$jobs"

export TSAN_OPTIONS="suppressions=$here/tsan.supp halt_on_error=0 exitcode=66 second_deadlock_stack=1 report_signal_unsafe=0 history_size=4 log_path=$build/tsan-report"
export CLPOOL_CACHE_DIR="$build/tsan-cache"
# TSan runs slower; the faults tests stretch their time limits by this.
export CLPOOL_TEST_TIME_SCALE=${CLPOOL_TEST_TIME_SCALE:-5}
rm -f "$build"/tsan-report.*

# Kernels with a large mmap_rnd_bits place libraries where TSan's shadow
# memory should be ("unexpected memory mapping"): run without ASLR then.
run=()
probe_dir=$(mktemp -d)
printf 'int main(void) { return 0; }\n' >"$probe_dir/p.c"
if cc -fsanitize=thread "$probe_dir/p.c" -o "$probe_dir/p" 2>/dev/null &&
        ! "$probe_dir/p" >/dev/null 2>&1; then
    echo "tsan.sh: this kernel's ASLR breaks TSan; running the tests under setarch -R"
    run=(setarch "$(uname -m)" -R)
fi
rm -rf "$probe_dir"

start=$SECONDS
set +e
"${run[@]}" ctest --test-dir "$build" -R "$regex" --output-on-failure -j1
rc=$?
set -e
reports=$(ls "$build"/tsan-report.* 2>/dev/null || true)
echo "tsan.sh: tests took $((SECONDS - start)) s"
if [ -n "$reports" ]; then
    for r in $reports; do
        echo "==== $r"
        head -n 80 "$r"
    done
    echo "tsan.sh: ThreadSanitizer reported (above)" >&2
    exit 1
fi
if [ "$rc" -ne 0 ]; then
    echo "tsan.sh: tests failed under ThreadSanitizer" >&2
    exit "$rc"
fi
echo "tsan.sh: no ThreadSanitizer reports"
