#!/usr/bin/env bash
# The main job on the embedded sample model: set up, then prune 50 %, cluster 16, int8-quantize and
# pack the sample app's Fashion-MNIST CNN, with accuracy measured by LiteRT on held-out images.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
app=sample-android-app
npx mlshrink optimize "$app/src/main/assets/fashion_mnist_cnn.tflite" -o build/demo \
  --prune 0.5 --cluster 16 --quantize int8 \
  --calibration "$app/mlshrink/calibration" --eval "$app/mlshrink/eval" --max-accuracy-drop 0.01
npx mlshrink inspect build/demo/fashion_mnist_cnn.tflite.mlshrink | head -n 20
echo "Output: build/demo/ (packed model + report.json)"
