#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, AddressSanitizer and UBSan into
# build-fuzz/ and runs each for SECONDS (default 60), starting from fuzz/corpus/<name>/.
# Inputs that crash, leak or trip a sanitizer land in build-fuzz/findings/; new coverage
# in build-fuzz/corpus/. Prints executions and coverage per target.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (targets: safetensors torch_pickle importers
#                                              tokenizer prompt image settings_json)
#   scripts/fuzz.sh --seeds                   rewrites fuzz/corpus with make_seeds
#   FUZZ_RUNS=N scripts/fuzz.sh SECONDS ...   stops each target after N executions too
#   FUZZ_TIMEOUT=S                            seconds one input may take (default 30; raise it on a busy machine)
#   FUZZ_MAX_LEN=B                            longest input in bytes (default 65536; longer corpus files are cut)
set -euo pipefail
cd "$(dirname "$0")/.."
all=(safetensors torch_pickle importers tokenizer prompt image settings_json)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CXX=clang++ CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMRTI_FUZZ=ON \
  -DMRTI_BUILD_GUI=OFF -DMRTI_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null

if [ "${1:-}" = "--seeds" ]; then
  cmake --build build-fuzz -j"${JOBS:-2}" --target make_seeds
  rm -rf fuzz/corpus && ./build-fuzz/fuzz/make_seeds fuzz/corpus
  find fuzz/corpus -type f | sort
  exit 0
fi

seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
cmake --build build-fuzz -j"${JOBS:-2}" --target "${targets[@]/#/fuzz_}"
mkdir -p build-fuzz/findings
# Leaks of LibTorch's own static caches are not ours; everything else stops the run. libFuzzer's
# own leak check is off too: it reruns every input whose mallocs and frees differ (the
# tokenizer's caches), which cost a third of the tokenizer target's speed for nothing.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
status=0
printf '%-14s %12s %10s %8s %s\n' target executions exec/s cover findings
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/fuzz_$t.log"
  if ! "./build-fuzz/fuzz/fuzz_$t" "build-fuzz/corpus/$t" "fuzz/corpus/$t" -max_total_time="$seconds" \
      ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=4096 -detect_leaks=0 -max_len="${FUZZ_MAX_LEN:-65536}" -print_final_stats=1 \
      -artifact_prefix="build-fuzz/findings/$t-" >"$log" 2>&1; then
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cover=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*' || echo 0)
  found=$(find build-fuzz/findings -name "$t-*" | wc -l)
  printf '%-14s %12s %10s %8s %s\n' "$t" "$execs" "$rate" "$cover" "$found"
done
[ $status = 0 ] || echo "a target stopped early: see build-fuzz/fuzz_<target>.log and build-fuzz/findings/"
exit $status
