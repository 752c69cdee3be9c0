#!/usr/bin/env bash
# Reproduces the shipped demo model (resources/models/shapes64) and its demo concept
# (resources/concepts/dotstar.safetensors) from nothing: draws the shapes dataset, trains
# the VAE, then the UNet and text encoder, then the concept, and evaluates them. Every
# stage is seeded and resumable: run the script again after an interruption and it goes
# on from the last checkpoint of the stage it was in.
#
#   scripts/train-demo-model.sh [WORK_DIR]      (default build/demo-model; needs build/app/mrti)
#
# THREADS (default: all cores) sets the CPU threads; MRTI the mrti binary.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-build/demo-model}"
mrti="${MRTI:-build/app/mrti}"
threads="${THREADS:-0}"
model_dir=resources/models/shapes64
concepts_dir=resources/concepts
mkdir -p "$work"
log() { echo "[$(date +%H:%M:%S)] $*"; }
stage_time() { echo "$1 $(( $(date +%s) - $2 ))" >> "$work/times.txt"; }

# A run folder: resumed when it has begun, started otherwise, skipped when finished.
train() {  # train RUN RESULT mrti-train-args...
  local run=$1 result=$2; shift 2
  if [ -e "$run/$result" ]; then log "$run: finished already"; return; fi
  local t0; t0=$(date +%s)
  if [ -f "$run/settings.json" ]; then "$mrti" train resume "$run" --threads "$threads"
  else "$mrti" train "$@" --out "$run" --threads "$threads"; fi
  stage_time "$(basename "$run")" "$t0"
}

log "1/5 drawing the shapes dataset"
"$mrti" make-shapes --out "$work/shapes" --count 20000 --seed 1 >/dev/null

log "2/5 training the VAE"
train "$work/vae-run" vae vae --data "$work/shapes" --steps 3500 --batch-size 16 --lr 1e-3 --warmup-steps 100 \
  --kl-weight 1e-4 --ema-decay 0.999 --seed 1 --save-dtype fp32 --checkpoint-every 250 --preview-every 250

log "3/5 training the UNet and the text encoder"
train "$work/unet-run" model unet --data "$work/shapes" --vae "$work/vae-run/vae" --steps 12000 --batch-size 32 \
  --lr 1e-3 --warmup-steps 200 --ema-decay 0.999 --caption-dropout 0.1 --snr-gamma 5 --seed 1 --save-dtype fp16 \
  --checkpoint-every 500 --preview-every 1000

log "4/5 choosing the guidance scale on training captions and installing the model in $model_dir"
# The guidance with the most pictures right in all three respects on 32 training captions (the
# held-out ones stay unseen); it becomes the model's default in model_index.json.
head -q -n1 "$work"/shapes/000[0-3][0-9].txt | head -n 32 > "$work/train32.txt"
best=4 best_all=-1
for g in 3 4 6 8; do
  "$mrti" evaluate shapes --model "$work/unet-run/model" --captions "$work/train32.txt" --seeds 2 --guidance "$g" \
    --threads "$threads" > "$work/eval-train-g$g.txt"
  all=$(sed -n 's/^all three \([0-9.]*\)%$/\1/p' "$work/eval-train-g$g.txt")
  log "guidance $g: all three right in $all% of the pictures"
  if awk -v a="$all" -v b="$best_all" 'BEGIN { exit !(a > b) }'; then best=$g best_all=$all; fi
done
log "guidance $best"
mkdir -p "$(dirname "$model_dir")" && rm -rf "$model_dir.new" && cp -r "$work/unet-run/model" "$model_dir.new"
sed -i "s/\"guidance\": *[0-9.]*/\"guidance\": $best.0/" "$model_dir.new/model_index.json"
grep -q "\"guidance\": $best.0" "$model_dir.new/model_index.json"
cp docs/demo-model-card.md "$model_dir.new/README.md"
rm -rf "$model_dir" && mv "$model_dir.new" "$model_dir"

log "5/5 learning the demo concept (a yellow star with a blue dot) with multiresolution textual inversion"
"$mrti" make-shapes --concept --out "$work/dotstar-pictures" --concept-count 6 --colour yellow --shape star \
  --dot-colour blue --seed 7 >/dev/null 2>&1 || true   # kept when already drawn
mkdir -p "$concepts_dir"
if [ ! -f "$concepts_dir/dotstar.safetensors" ]; then
  t0=$(date +%s)
  if [ -f "$work/dotstar-run/settings.json" ]; then "$mrti" train resume "$work/dotstar-run" --threads "$threads"
  else
    "$mrti" train ti --model "$model_dir" --data "$work/dotstar-pictures" --name dotstar --init-token star \
      --num-scales 6 --vectors-per-token 3 --resolution 64 --steps 1500 --batch-size 8 --lr 5e-3 --seed 1 \
      --checkpoint-every 250 \
      --out "$work/dotstar-run" --library "$concepts_dir" --threads "$threads"
  fi
  stage_time dotstar-run "$t0"
fi

log "evaluating"
"$mrti" evaluate shapes --model "$model_dir" --captions held-out --seeds 4 --out "$work/eval-held-out" \
  --threads "$threads" | tee "$work/eval-held-out.txt"
"$mrti" evaluate concept --model "$model_dir" --concepts "$concepts_dir" --concept dotstar --colour yellow \
  --shape star --detail-colour blue --seeds 36 --out "$work/eval-dotstar" --threads "$threads" \
  | tee "$work/eval-dotstar.txt"
log "done; stage times (s):"; cat "$work/times.txt"
