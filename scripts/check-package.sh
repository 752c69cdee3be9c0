#!/usr/bin/env bash
# check-package.sh [BUILD_DIR]: packages a finished build (default build/) as a .deb, installs it
# with apt-get as a user would, checks what it installed, and removes it again.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
apt_get() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -y -qq "$@"; }

rm -f "$build"/mrti-studio_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/mrti-studio_*.deb)
echo "package: $deb"
echo "Depends: $(dpkg-deb --field "$deb" Depends)"

trap 'apt_get remove mrti-studio >/dev/null 2>&1 || true' EXIT
apt_get install --no-install-recommends "$(realpath "$deb")" >/dev/null
/usr/bin/mrti --version
/usr/bin/mrti-studio --version
if readelf -d /usr/bin/mrti /usr/bin/mrti-studio | grep -E 'R(UN)?PATH'; then
  echo "the installed binaries carry an RPATH" >&2
  exit 1
fi
# The tokenizer data must sit where the binaries look for it.
tokenizer=$(dpkg -L mrti-studio | grep '/clip-tokenizer/vocab.json$')
grep -q "$(dirname "$tokenizer")" /usr/bin/mrti
# The shipped model and concept are installed, and the command line uses that model by default.
dpkg -L mrti-studio | grep '/mrti-studio/models/shapes64/model_index.json$' >/dev/null
dpkg -L mrti-studio | grep '/mrti-studio/concepts/dotstar.safetensors$' >/dev/null
[[ "$(/usr/bin/mrti info)" == /usr/share/mrti-studio/models/shapes64* ]]
out=$(mktemp -d)
/usr/bin/mrti generate --prompt "a big yellow star on a purple background" --seed 1 --out "$out" >/dev/null
ls "$out"/*.png >/dev/null
rm -rf "$out"
desktop-file-validate /usr/share/applications/io.github.mrti.Studio.desktop
appstreamcli validate --no-net /usr/share/metainfo/io.github.mrti.Studio.metainfo.xml
apt_get remove mrti-studio >/dev/null
trap - EXIT
echo "package installed, checked and removed"
