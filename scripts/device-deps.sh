#!/usr/bin/env bash
# Assembles the dependencies of the Qt-free engine and command line from Debian 12's packages
# (apt-get download + dpkg-deb -x, nothing installed) for a machine that has LibTorch, a
# compiler, CMake and ninja but no Debian packages: headers, the shared libraries and every
# library they need beyond glibc and libstdc++, packed as one archive small enough to travel
# with the working tree. scripts/device-check.sh unpacks and uses it.
#
#   scripts/device-deps.sh [OUT_DIR]        (default: device-deps, ignored by git)
#
# The reference fixtures the device checks read are copied beside it (from MRTI_FIXTURES_DIR,
# default ../shared/fixtures): the tiny model and its references, without the duplicate
# pytorch_model.bin.
# OpenCV's imgcodecs is left out (with GDAL and the rest it needs, over 200 MB): a build with
# -DMRTI_OPENCV_IMGCODECS=OFF decodes PNG through libpng and JPEG through libjpeg.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-device-deps}")
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

# Headers and link-time files; the runtime libraries they name are found below.
dev_packages=(nlohmann-json3-dev libcli11-dev libicu-dev libpcre2-dev libpng-dev zlib1g-dev libjpeg62-turbo-dev
              libopencv-core-dev libopencv-imgproc-dev)
# Always on the target: the C and C++ runtimes.
base_libs=" libc.so.6 libm.so.6 libstdc++.so.6 libgcc_s.so.1 libpthread.so.0 libdl.so.2 librt.so.1 ld-linux-x86-64.so.2 "
# Debian resolves these through alternatives (OpenBLAS here); the reference builds are small.
declare -A alternative=([libblas.so.3]=libblas3 [liblapack.so.3]=liblapack3)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root" "$work/debs"
chmod 755 "$work" && chmod 777 "$work/debs"  # apt-get download runs as _apt where it can

fetch() {  # packages not fetched yet
  local todo=()
  for p in "$@"; do [ -e "$work/debs/.$p" ] || todo+=("$p"); done
  [ ${#todo[@]} -gt 0 ] || return 0
  (cd "$work/debs" && apt-get download "${todo[@]/%/:$arch}" >/dev/null)
  for p in "${todo[@]}"; do
    touch "$work/debs/.$p"
    dpkg-deb -x "$(ls "$work/debs/${p}"_*.deb | head -n 1)" "$root"
  done
}

echo "fetching ${dev_packages[*]}"
fetch "${dev_packages[@]}"
libdir="$root/usr/lib/$multiarch"
# Libraries of those packages the build never links.
for lib in libpcre2-16 libpcre2-32 libpcre2-posix libicuio libicutest libicutu; do rm -f "$libdir/$lib.so"; done
# Alternatives keep their libraries in folders of their own (blas/, lapack/): link the sonames.
link_alternatives() {
  for lib in "${!alternative[@]}"; do
    real=$(find "$libdir" -mindepth 2 -name "$lib" | head -n 1)
    if [ -n "$real" ] && [ ! -e "$libdir/$lib" ]; then ln -s "${real#"$libdir/"}" "$libdir/$lib"; fi
  done
}
# The closure: the libraries the -dev packages' links point to, and every NEEDED library of
# every shared library here, until none is missing.
while true; do
  missing=()
  while IFS= read -r lib; do
    case "$base_libs" in *" $lib "*) continue ;; esac
    [ -e "$libdir/$lib" ] || [ -e "$root/lib/$multiarch/$lib" ] || missing+=("$lib")
  done < <({ find "$root" -name '*.so*' -type f -exec objdump -p {} \; 2>/dev/null | awk '/NEEDED/ {print $2}'
             find "$root" -name '*.so*' -xtype l -exec readlink {} \; | xargs -rn1 basename; } | sort -u)
  [ ${#missing[@]} -gt 0 ] || break
  packages=()
  for lib in "${missing[@]}"; do
    if [ -n "${alternative[$lib]:-}" ]; then packages+=("${alternative[$lib]}"); continue; fi
    owner=$(dpkg -S "*/$lib" 2>/dev/null | grep -v diversion | head -n 1 | cut -d: -f1)
    [ -n "$owner" ] || { echo "no installed package holds $lib: install the build's dependencies first (scripts/install-deps.sh)" >&2; exit 1; }
    packages+=("$owner")
  done
  before=$(ls "$work/debs" | wc -l)
  echo "fetching ${packages[*]} (for ${missing[*]})"
  fetch $(printf '%s\n' "${packages[@]}" | sort -u)
  link_alternatives
  [ "$(ls "$work/debs" | wc -l)" != "$before" ] || { echo "cannot find ${missing[*]} in the fetched packages" >&2; exit 1; }
done

# Debian 12 keeps some libraries in /lib (merged /usr): one folder for all.
if [ -d "$root/lib/$multiarch" ]; then
  cp -a "$root/lib/$multiarch/." "$libdir/"
  rm -rf "${root:?}/lib"
fi
# What a build and its run never read.
rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/lintian" "$root/usr/bin" "$root/usr/sbin" \
       "$root/usr/lib/$multiarch/icu" "$root/etc"
find "$root" -name '*.a' -delete
# pkg-config files and CMake configs name /usr: device-check.sh points them at the unpacked copy.
mkdir -p "$out"
(cd "$work/debs" && ls *.deb) > "$out/packages.txt"
tar -C "$root" -cf - usr | xz -6 -T0 > "$out/deps.tar.xz.tmp"
mv "$out/deps.tar.xz.tmp" "$out/deps.tar.xz"
fixtures=${MRTI_FIXTURES_DIR:-../shared/fixtures}
if [ -d "$fixtures/tiny-sd15" ]; then
  rm -rf "$out/fixtures" && mkdir -p "$out/fixtures"
  cp -r "$fixtures/tiny-sd15" "$fixtures/tiny-sd15-ref" "$out/fixtures/"
  rm -f "$out/fixtures/tiny-sd15/text_encoder/pytorch_model.bin"
  echo "fixtures: $(du -sh "$out/fixtures" | cut -f1) in $out/fixtures"
else
  echo "no fixtures at $fixtures (MRTI_FIXTURES_DIR): the device checks will skip the parity runs" >&2
fi
# diffusers' sources (0.25.1 with huggingface_hub), for the side-by-side UNet step on the GPU
# where its PyTorch has no diffusers installed (REFENV_SRC, default ../shared/perf's).
refenv_src=${REFENV_SRC:-../shared/perf/refenv-src.tar.xz}
if [ -f "$refenv_src" ]; then
  rm -f "$out/refenv-src.tar.xz" && cp "$refenv_src" "$out/refenv-src.tar.xz"
else
  echo "no $refenv_src (REFENV_SRC): the device check times diffusers only where it is installed" >&2
fi
echo "$(wc -l < "$out/packages.txt") packages, $(du -sh "$root" | cut -f1) unpacked, $(du -h "$out/deps.tar.xz" | cut -f1) packed: $out/deps.tar.xz"
