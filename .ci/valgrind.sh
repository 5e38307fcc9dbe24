#!/usr/bin/env bash
# The test suite under valgrind memcheck.
#
#   .ci/valgrind.sh BUILD_DIR [TEST_REGEX]
#
# BUILD_DIR: a Debug build without sanitizers (cmake -DCMAKE_BUILD_TYPE=Debug).
# TEST_REGEX: which tests (ctest names) to run; the default keeps the run to a
# few minutes on 2 cores: the unit, fork, faults and threads tests and one
# small OpenCL test (PoCL under valgrind is very slow).
#
# Every test runs under memcheck with --trace-children=yes, so the fork
# backend's workers (forked, not exec'd: always traced) and any test helper
# it execs are checked too; the C compiler the native backend runs is skipped.
# One log per process goes to BUILD_DIR/valgrind/<test>/<pid>.log. It fails if
#   - a test fails (its own exit status; memcheck's is 99 on an error),
#   - any process reports a memory error (invalid read/write, uninitialised
#     value, bad free, ...),
#   - a test's own process (not a forked worker, which leaves with _exit and
#     whose heap is the parent's copy) has definitely or indirectly lost
#     bytes.
# Suppressions, each commented, are in .ci/valgrind.supp: driver noise only.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: $0 BUILD_DIR [TEST_REGEX]}"
build="$(cd "$build" && pwd)"
# Also left out: fork_opencl and fork_refuse (each over two minutes under valgrind,
# spawning compilers and loading PoCL; the ASan pass covers them).
# Left out by default: fork_buffers and fork_sizes (gigabyte buffers), and
# fork_orphans and faults_owner (a process that exits with a pool open: under
# valgrind, exiting with the fork backend's arena still mapped, a reservation
# the size of RAM + swap, takes minutes; they test process lifetimes, not
# memory); fork_death and faults_death (a worker that faults under valgrind
# is held by valgrind's own fatal-signal handling, leak check included, and
# its death reaches the pool late or as another signal, so their timing and
# signal-name checks do not hold there); faults_signals (a 1 ms SIGALRM
# under valgrind is minutes of signal delivery, and it tests signals, not
# memory); unit_native (under valgrind a spawn of a missing compiler
# reports exit status 127 instead of the exec error the test expects).
# fork_workgroups_nonuniform: under memcheck its workers, each holding a
# group of fiber stacks, are killed before they reach the barrier they are
# to fail at; ASan and TSan run it. The parts of a test that ctest runs as
# tests of their own (<test>_opencl, <test>_clang) are not named: run by
# hand, as here, a test does every part.
regex="${2:-^(unit_(cache|core|prelude|sha256|signature)|fork_(atomics|kernels|one_cpu|workers|workgroups_kernels)|faults_(idle|input|timeout)|threads_(maps|async)|opencl_backend_smoke)$}"
logs="$build/valgrind"
rm -rf "$logs"
mkdir -p "$logs"

vg=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --trace-children=yes
    "--trace-children-skip=*/cc,*/gcc,*/gcc-*,*/c99,*/clang,*/clang-*,*/cc1,*/as,*/ld,*/ld.*,*/collect2,*/sh,*/dash,*/bash"
    --child-silent-after-fork=no
    --suppressions="$here/valgrind.supp" --gen-suppressions=all
    --num-callers=30)

# valgrind 3.19 does not know AVX-512, which -march=native picks on an
# AVX-512 machine: kernels are built for x86-64-v3 (AVX2) here instead.
if [ "$(uname -m)" = x86_64 ]; then
    export CLPOOL_NATIVE_ARCH=${CLPOOL_NATIVE_ARCH:-x86-64-v3}
fi
# Time limits inside the faults tests stretch by this factor.
export CLPOOL_TEST_TIME_SCALE=${CLPOOL_TEST_TIME_SCALE:-30}
export CLPOOL_CACHE_DIR="$build/valgrind-cache"

mapfile -t tests < <(ctest --test-dir "$build" -N -R "$regex" | sed -n 's/^ *Test *#[0-9]*: //p')
if [ "${#tests[@]}" -eq 0 ]; then
    echo "valgrind.sh: no test matches $regex in $build" >&2
    exit 1
fi

failed=()
start=$SECONDS
for t in "${tests[@]}"; do
    exe="$build/$t"
    [ -x "$exe" ] || { echo "valgrind.sh: no executable $exe" >&2; failed+=("$t(missing)"); continue; }
    mkdir -p "$logs/$t"
    t0=$SECONDS
    set +e
    ( cd "$build" && timeout 900 "${vg[@]}" --log-file="$logs/$t/%p.log" "$exe" ) \
        >"$logs/$t/output.txt" 2>&1
    rc=$?
    set -e
    verdict=ok
    case $rc in
        0) ;;
        77) verdict=skipped ;;
        *) verdict="exit status $rc"; failed+=("$t(exit $rc)") ;;
    esac
    # Memory errors, in any process of the test.
    # An error whose first frame is inside a compiled kernel (clpool-*.so)
    # is a kernel's own fault, which the death tests cause on purpose.
    errs=""
    for log in "$logs/$t"/*.log; do
        if awk '/Invalid (read|write|free)|uninitialised|Mismatched free|Syscall param|overlap|Jump to the invalid/ { hdr = 1; next }
                hdr && /==[0-9]+== +at / { hdr = 0; if ($0 !~ /\(in [^)]*clpool-[^)]*\.so\)/) bad = 1 }
                END { exit bad ? 0 : 1 }' "$log"; then
            errs+=" $log"
        fi
    done
    # Leaks, in the processes that are not forked workers: their log's
    # "Parent PID" is not another log of this test.
    leaks=""
    for log in "$logs/$t"/*.log; do
        parent=$(sed -n 's/^==[0-9]*== Parent PID: \([0-9]*\)$/\1/p' "$log" | head -1)
        if [ -n "$parent" ] && [ -e "$logs/$t/$parent.log" ]; then
            continue # a forked child of the test: leaves with _exit
        fi
        if grep -qE "(definitely|indirectly) lost: [1-9]" "$log"; then
            leaks+=" $log"
        fi
    done
    if [ -n "$errs" ]; then
        verdict="$verdict; memory errors in: $(echo $errs)"
        failed+=("$t(errors)")
    fi
    if [ -n "$leaks" ]; then
        verdict="$verdict; leaks in:$leaks"
        failed+=("$t(leaks)")
    fi
    printf '%-28s %4ds  %s\n' "$t" $((SECONDS - t0)) "$verdict"
    if [ "$verdict" != ok ] && [ "$verdict" != skipped ]; then
        # (|| true: head closing the pipe early is not a failure.)
        tail -n 30 "$logs/$t/output.txt" | sed 's/^/    | /' || true
        for log in $errs $leaks; do
            grep -vE "^==[0-9]+== *$" "$log" | head -n 60 | sed 's/^/    | /' || true
        done
    fi
done
echo "valgrind.sh: ${#tests[@]} tests in $((SECONDS - start)) s; logs in $logs"
if [ "${#failed[@]}" -ne 0 ]; then
    echo "valgrind.sh: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "valgrind.sh: no memory errors, no definitely or indirectly lost bytes"
