#!/usr/bin/env bash
# Cross-fitted distillation on a GPU machine, in one call (issue 8; RESULTS section 2).
#
# Here (CPU), first:
#   python -m spinlens.training prepare --run .carry/cf            # windows with article ids
#   cp -r "$(python -c 'from spinlens.training.pipeline import base_model_dir as b; print(b())')" .carry/minilm
# Then run this script on the GPU machine with .carry/cf and .carry/minilm carried, and $OUT set:
#   RUN=.carry/cf BASE=.carry/minilm FOLDS=3 FOLD_EPOCHS=8 EPOCHS=10 bash scripts/device_crossfit.sh
# It trains FOLDS fold models (out-of-fold teacher targets and tuning scores of all of PTC train), tunes the
# thresholds on those scores, distils one student from the base encoder, exports it and copies the exported
# model (int8 ONNX, heads, model.json) and the logs to $OUT. On an H100 a MiniLM epoch over the full
# training windows took ~16-20 s (session 2), so the defaults need about 8-10 minutes.
set -euo pipefail
export PYTHONPATH=src PYTHONUNBUFFERED=1
RUN=${RUN:-.carry/cf}
BASE=${BASE:-.carry/minilm}
OUT=${OUT:?set OUT to the folder the results go to}
python3 -m spinlens.training crossfit --run "$RUN" --base "$BASE" --folds "${FOLDS:-3}" \
    --epochs "${FOLD_EPOCHS:-8}" --seeds "${SEED:-13}" --unlabeled "${UNLABELED:-440}"
python3 -m spinlens.training distill --run "$RUN" --base "$BASE" --thresholds-from "$RUN/crossfit" \
    --epochs "${EPOCHS:-10}" --lr "${LR:-1e-4}" --w-kd "${W_KD:-0.5}" --seeds "${SEED:-13}" --out "$RUN/model"
mkdir -p "$OUT/model"
cp "$RUN"/model/*.int8.onnx "$RUN"/model/heads*.npz "$RUN"/model/model.json "$RUN"/model/tokenizer.json "$OUT/model/"
cp "$RUN/crossfit/thresholds.json" "$OUT/crossfit_thresholds.json"
cp "$RUN/train.log" "$OUT/train.log"
