#!/usr/bin/env bash
# Prints, for each translations/*.ts, how many messages still need a translation (unfinished
# or empty); exits 1 when any does. Refresh the .ts files from the sources first with
#   cmake --build build --target update_translations
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for ts in translations/*.ts; do
  unfinished=$(grep -c 'type="unfinished"' "$ts" || true)
  empty=$(grep -Ec '<translation>\s*</translation>|<numerusform>\s*</numerusform>|<translation */>' "$ts" || true)
  total=$(grep -c '<message' "$ts" || true)
  echo "$ts: $((unfinished + empty)) of $total untranslated"
  [ $((unfinished + empty)) -eq 0 ] || status=1
done
exit $status
