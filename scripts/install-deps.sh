#!/usr/bin/env bash
# Installs the Debian 12 packages MRTI Studio builds against (run as root or via sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq --no-install-recommends $(grep -v '^#' packaging/debian-build-deps.txt) >/dev/null
echo "build dependencies installed"
