#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer: a
# -DMRTI_SANITIZE=ON build in build-asan/ (GCC; LibTorch and Qt themselves are not
# instrumented), then ctest with sanitizer reports made fatal. Too slow for CI's time on two
# cores; run it by hand. Extra arguments go to ctest (e.g. -R test_tensor_io).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMRTI_SANITIZE=ON "${launcher[@]}" >/dev/null
start=$(date +%s)
cmake --build build-asan -j"${JOBS:-2}"
echo "built in $(( $(date +%s) - start )) s"
export MRTI_FIXTURES_DIR="${MRTI_FIXTURES_DIR:+$(realpath "$MRTI_FIXTURES_DIR")}"
# Leaks of LibTorch's and Qt's process-lifetime caches are not ours; every other report fails
# the test (halt_on_error), and the reports are kept in build-asan/sanitizer-logs/.
# A run counts its own reports only.
rm -rf build-asan/sanitizer-logs && mkdir -p build-asan/sanitizer-logs
# allocator_may_return_null: an impossible allocation fails as it does without ASan (LibTorch
# then throws, which the out-of-memory tests expect) instead of ASan's own size cap aborting.
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:allocator_may_return_null=1:log_path=$PWD/build-asan/sanitizer-logs/asan:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$PWD/build-asan/sanitizer-logs/ubsan:${UBSAN_OPTIONS:-}"
start=$(date +%s)
status=0
(cd build-asan && ctest --output-on-failure -j"${JOBS:-2}" "$@") || status=$?
echo "ran in $(( $(date +%s) - start )) s"
# An error report says "ERROR:" (ASan) or "runtime error:" (UBSan); a file without one holds
# only warnings, such as the notice for the impossible allocation a test makes on purpose.
files=$(find build-asan/sanitizer-logs -type f | wc -l)
reports=$(grep -lE "ERROR: |runtime error:" build-asan/sanitizer-logs/* 2>/dev/null | wc -l)
echo "sanitizer reports: $reports errors; $((files - reports)) files with warnings only (build-asan/sanitizer-logs/)"
[ "$reports" = 0 ] || status=1
exit $status
