#!/usr/bin/env bash
# The GPU path, proved and timed in one command on a machine with an NVIDIA GPU, CUDA,
# PyTorch 2.x (its LibTorch headers and CMake config), CMake and ninja, but no Qt, no Debian
# packages and no network. Run from the repository root there; everything it writes lands in
# $OUT (default: device-out/).
#
# Prepare it here first: scripts/device-deps.sh assembles device-deps/ (the libraries from
# Debian's packages and the fixtures), which travels with the working tree.
#
#   scripts/device-check.sh
#   DEVICE_CHECK_SKIP_BENCH=1 scripts/device-check.sh     (build and checks only)
#
# Steps: the Qt-free build of the engine and `mrti` against PyTorch's LibTorch; `mrti parity`
# (text encoder, UNet, VAE, three samplers' pipelines eagerly and as CUDA graphs, the fp16 VAE
# overflow guard, against diffusers' outputs) on the CPU and on CUDA in fp32, fp16 and bf16;
# one seed's picture on the CPU and on CUDA; textual-inversion (fp32, fp16 with loss scaling)
# and DreamBooth steps on CUDA against the same steps on the CPU; then `mrti bench --device
# cuda` on a full-size random SD 1.5 at 512² in fp16 and bf16 (and fp16 with CUDA graphs) and
# diffusers' UNet step in the same run.
set -uo pipefail
cd "$(dirname "$0")/.."
# ---- is there a GPU at all ----
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "device-check: no NVIDIA GPU here (nvidia-smi finds none). This check runs on a GPU machine;"
  echo "on this one, build and test with scripts/build.sh and README.md's test command."
  exit 2
fi
python=${PYTHON:-python3}
if ! "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "device-check: the GPU is there, but $python's PyTorch sees no CUDA device (or has no torch)."
  exit 2
fi
out=${OUT:-$PWD/device-out}
mkdir -p "$out"
log="$out/device-check.log"
exec > >(tee -a "$log") 2>&1
say() { echo "== $(date +%T) $*"; }
fail() { echo "device-check: $*" >&2; exit 1; }

nvidia-smi -L
"$python" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))'

# ---- dependencies ----
deps_archive=device-deps/deps.tar.xz
[ -f "$deps_archive" ] || fail "$deps_archive is missing: run scripts/device-deps.sh on the build machine and carry device-deps"
deps=/tmp/mrti-deps
if [ ! -f "$deps/.unpacked" ] || [ "$deps_archive" -nt "$deps/.unpacked" ]; then
  rm -rf "$deps" && mkdir -p "$deps" &&
    "$python" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter="tar")' "$deps_archive" "$deps" &&
    touch "$deps/.unpacked" || fail "cannot unpack $deps_archive"
fi
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
torch_prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
torch_lib=$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$deps/usr/lib/$multiarch:$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# ---- build ----
say "configure"
build=build-cuda
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
arch=$("$python" -c 'import torch; print("%d.%d" % torch.cuda.get_device_capability(0))')
start=$(date +%s)
cmake -S . -B "$build" "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DMRTI_BUILD_GUI=OFF -DMRTI_BUILD_TESTS=OFF -DMRTI_USE_TCMALLOC=OFF -DMRTI_OPENCV_IMGCODECS=OFF \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$deps/usr" -DICU_ROOT="$deps/usr" -DTORCH_CUDA_ARCH_LIST="$arch" \
  >"$out/configure.log" 2>&1 || { tail -n 40 "$out/configure.log"; fail "configure failed (configure.log)"; }
grep -E "LibTorch|CUDA" "$out/configure.log" | head -n 5
say "build"
cmake --build "$build" -j"$(nproc)" --target mrti >"$out/build.log" 2>&1 ||
  { grep -E "error|Error" "$out/build.log" | head -n 40; fail "build failed (build.log)"; }
echo "built in $(( $(date +%s) - start )) s"
mrti=$build/app/mrti
"$mrti" --version

# ---- checks ----
status=0
check() {  # [--show] name command...: the log goes to $OUT/name.log; --show prints it whole
  local show=0
  [ "$1" = --show ] && { show=1; shift; }
  local name=$1 ok=1
  shift
  say "check: $name"
  "$@" >"$out/$name.log" 2>&1 || ok=0
  if [ $ok = 1 ]; then echo "ok: $name"; else echo "FAILED: $name ($name.log)"; status=1; fi
  if [ $show = 1 ]; then cat "$out/$name.log"; elif [ $ok = 0 ]; then tail -n 20 "$out/$name.log"; fi
}
fixtures=device-deps/fixtures
# Float32 means float32 in the comparisons: no TensorFloat-32 in cuBLAS or cuDNN (LibTorch lets
# cuDNN's convolutions use it by default). The benchmarks below run with the defaults.
export NVIDIA_TF32_OVERRIDE=0
if [ -d "$fixtures/tiny-sd15" ]; then
  # Every model part and the pipeline against diffusers' outputs (on the CPU first: the build
  # itself), and the same seed's picture, for each device and precision.
  for run in cpu:fp32 cuda:fp32 cuda:fp16 cuda:bf16; do
    dev=${run%%:*} dt=${run##*:}
    check --show "parity-$dev-$dt" "$mrti" parity --fixtures "$fixtures" --device "$dev" --dtype "$dt"
    check "generate-$dev-$dt" "$mrti" generate --model "$fixtures/tiny-sd15" --device "$dev" --dtype "$dt" \
      --prompt "a photo of a cat" --seed 7 --steps 10 --size 64x64 --out "$out/tiny-$dev-$dt" \
      --save-latents "$out/latents-$dev-$dt.safetensors"
  done
  check generate-cuda-fp16-graph "$mrti" generate --model "$fixtures/tiny-sd15" --device cuda --dtype fp16 \
    --cuda-graphs --prompt "a photo of a cat" --seed 7 --steps 10 --size 64x64 --out "$out/tiny-cuda-fp16-graph" \
    --save-latents "$out/latents-cuda-fp16-graph.safetensors"
  # The CPU's seed on CUDA: the same picture up to float precision (bounds as mrti parity's
  # pipelines); through the CUDA graph, the same as without it.
  compare=scripts/compare_outputs.py
  same_seed() {
    local status=0 run
    for run in fp32:1e-3 fp16:6e-2 bf16:1.5e-1; do
      echo "final latents, CUDA ${run%%:*} vs CPU fp32:"
      "$python" "$compare" tensors "$out/latents-cpu-fp32.safetensors" "$out/latents-cuda-${run%%:*}.safetensors" \
        "${run##*:}" || status=1
    done
    echo "final latents, CUDA fp16 with and without the CUDA graph:"
    "$python" "$compare" tensors "$out/latents-cuda-fp16.safetensors" "$out/latents-cuda-fp16-graph.safetensors" \
      1e-3 || status=1
    return $status
  }
  check --show same-seed-on-cuda same_seed
  # Training on CUDA: the textual-inversion steps of the CPU (fp32, and fp16 with loss
  # scaling) and its DreamBooth steps (fp32), the same seed, compared step by step.
  shapes=$out/shapes
  check make-shapes "$mrti" make-shapes --out "$shapes" --concept --concept-count 4 --size 64
  for run in cpu:fp32 cuda:fp32 cuda:fp16; do
    dev=${run%%:*} dt=${run##*:}
    check "train-ti-$dev-$dt" "$mrti" train ti --model "$fixtures/tiny-sd15" --data "$shapes" --name "ti_${dev}_$dt" \
      --init-token star --out "$out/ti-$dev-$dt" --library "$out/concepts" --steps 8 --resolution 64 \
      --checkpoint-every 0 --device "$dev" --dtype "$dt"
  done
  for dev in cpu cuda; do
    check "train-dreambooth-$dev" "$mrti" train dreambooth --model "$fixtures/tiny-sd15" --data "$shapes" \
      --name "db_$dev" --init-token star --out "$out/db-$dev" --library "$out/concepts" --steps 4 --resolution 64 \
      --checkpoint-every 0 --device "$dev"
  done
  training_on_cuda() {
    local status=0
    echo "textual inversion, CUDA fp32 vs CPU fp32:"
    "$python" "$compare" losses "$out/ti-cpu-fp32/loss.csv" "$out/ti-cuda-fp32/loss.csv" 1e-3 || status=1
    "$python" "$compare" tensors "$out/ti-cpu-fp32/ti_cpu_fp32.safetensors" "$out/ti-cuda-fp32/ti_cuda_fp32.safetensors" \
      1e-3 || status=1
    echo "textual inversion, CUDA fp16 (loss scaling) vs CPU fp32:"
    "$python" "$compare" losses "$out/ti-cpu-fp32/loss.csv" "$out/ti-cuda-fp16/loss.csv" 6e-2 || status=1
    grep -i "loss scale" "$out/train-ti-cuda-fp16.log" | tail -n 1
    echo "DreamBooth, CUDA vs CPU (fp32):"
    "$python" "$compare" losses "$out/db-cpu/loss.csv" "$out/db-cuda/loss.csv" 1e-3 || status=1
    return $status
  }
  check --show training-on-cuda training_on_cuda
else
  echo "no $fixtures: the fixture checks are left out"
fi

# ---- benchmarks ----
unset NVIDIA_TF32_OVERRIDE
if [ -z "${DEVICE_CHECK_SKIP_BENCH:-}" ]; then
  model=/tmp/mrti-sd15-random
  [ -f "$model/model_index.json" ] ||
    check make-random-model "$mrti" make-random-model --arch sd15 --tokenizer data/clip-tokenizer --out "$model"
  for dt in fp16 bf16; do
    check --show "bench-$dt" "$mrti" bench --model "$model" --device cuda --dtype "$dt" --size 512x512 --image-steps 50 \
      --skip-peak
  done
  check --show bench-fp16-graph "$mrti" bench --model "$model" --device cuda --dtype fp16 --size 512x512 \
    --image-steps 50 --skip-peak --skip-training --cuda-graphs
  # diffusers' own UNet step on the same GPU, in this run: PyTorch's diffusers where it is
  # installed, else diffusers 0.25.1's sources carried in device-deps/.
  refenv=
  if ! "$python" -c 'import diffusers' 2>/dev/null && [ -f device-deps/refenv-src.tar.xz ]; then
    refenv=/tmp/mrti-refenv
    mkdir -p "$refenv" && tar -C "$refenv" -xJf device-deps/refenv-src.tar.xz
  fi
  # Optional: without diffusers (or what it imports) the comparison is left out, not failed.
  say "diffusers' UNet step"
  if env PYTHONPATH="$refenv${PYTHONPATH:+:$PYTHONPATH}" "$python" scripts/diffusers_cuda_bench.py 512 \
    >"$out/diffusers-bench.log" 2>&1; then
    cat "$out/diffusers-bench.log"
  else
    echo "diffusers could not run here, the comparison is left out:"
    tail -n 3 "$out/diffusers-bench.log"
  fi
  if grep -q '^diffusers .* steps/s' "$out/diffusers-bench.log"; then
    say "side by side: UNet steps/s at 512², fp16"
    "$python" - "$out" <<'PY'
import re, sys
out = sys.argv[1]
ref = dict(re.findall(r"^diffusers (\S+) ([0-9.]+) steps/s", open(f"{out}/diffusers-bench.log").read(), re.M))
def ours(log):
    rows = re.findall(r"^UNet step, (no guidance|guided) \(batch \d+[^)]*\)\s+([0-9.]+)", open(f"{out}/{log}").read(), re.M)
    return {("guided" if k == "guided" else "single"): 1 / float(v) for k, v in rows}
for log, how in (("bench-fp16.log", "eager"), ("bench-fp16-graph.log", "CUDA graph")):
    try:
        o = ours(log)
    except OSError:
        continue
    for k in ("single", "guided"):
        if k in o and k in ref:
            print(f"{k:<7} mrti {how:<10} {o[k]:8.2f} steps/s   diffusers {float(ref[k]):8.2f}   {o[k] / float(ref[k]):5.2f}x")
PY
  fi
fi
say "done (status $status)"
exit $status
