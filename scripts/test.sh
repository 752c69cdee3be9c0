#!/usr/bin/env bash
# Build, then run the whole test suite. Parity tests need MRTI_FIXTURES_DIR (the
# reference fixtures); without it they skip with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
export MRTI_FIXTURES_DIR="${MRTI_FIXTURES_DIR:+$(realpath "$MRTI_FIXTURES_DIR")}"
cd build && ctest --output-on-failure -j"${JOBS:-2}"
