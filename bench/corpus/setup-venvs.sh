#!/usr/bin/env bash
# Bench-only Python venvs for the corpus (not needed by the build or the tests), under the corpus cache:
#   venv-tf : tensorflow==2.19.0 + tf-keras==2.19.0 — builds the converter models (keras_models.py);
#             + tensorflow-model-optimization 0.8.0 for the TFMOT peers of `npm run frontier` (it pins
#             numpy 1.x, so ml-dtypes is held at 0.5.1, the last release that imports with it)
#   venv-aeq: ai-edge-quantizer==0.10.0 (+ ai-edge-litert) — the peer column of `npm run corpus`
# Separate venvs because ai-edge-quantizer pins its own numpy/LiteRT. Idempotent.
set -euo pipefail
cache="${MLSHRINK_CORPUS_CACHE:-$HOME/.cache/mlshrink-corpus}"
python="${PYTHON:-python3.11}"
mkdir -p "$cache"
make_venv() {
  local dir="$cache/$1"; shift
  if [ ! -x "$dir/bin/python" ]; then "$python" -m venv "$dir"; fi
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
}
make_venv venv-tf tensorflow==2.19.0 tf-keras==2.19.0 tensorflow-model-optimization==0.8.0 numpy==1.26.4 ml-dtypes==0.5.1
make_venv venv-aeq ai-edge-quantizer==0.10.0
echo "venvs ready in $cache"
