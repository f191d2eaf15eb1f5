#!/usr/bin/env bash
# Builds the APK that the Robolectric tests (MlShrinkRobolectricTest) load their assets from, and tells
# Robolectric about it (com/android/tools/test_config.properties, the file AGP writes for unit tests).
#
#   make-test-apk.sh <repo-root> <work-dir> <test-classes-dir>
#
# Assets, as AGP would package a release (packed) or debug (plain) build:
#   models/hand_landmark_lite.tflite.mlshrink  the largest fixture, packed by the TypeScript encoder
#   models/corrupt.tflite.mlshrink             the same with one payload byte flipped
#   models/plain.tflite                        a plain model, stored (-0 tflite), so openFd/mmap works
#   models/deflated.model                      the same bytes deflated (no -0 for .model): not mappable
# and, outside the APK, expected/<name>: what the TypeScript `mlshrink unpack` makes of each packed asset.
set -euo pipefail

root=$1 work=$2 classes=$3
here=$(cd "$(dirname "$0")" && pwd)
framework=$(dpkg -L android-framework-res 2>/dev/null | grep '/framework-res\.apk$' | head -n 1 || true)
[ -f "$framework" ] || { echo "make-test-apk: framework-res.apk not found (apt-get install android-framework-res)" >&2; exit 3; }

rm -rf "$work"
mkdir -p "$work/assets/models" "$work/expected" "$work/vectors" "$classes/com/android/tools"

# The same TypeScript vector writer the decoder tests use: fixture models packed by the real encoder.
(cd "$root" && node --import tsx compiler/src/pack/write-vectors.ts "$work/vectors" >/dev/null)
cp "$work/vectors/hand_landmark_lite.tflite.mlshrink" "$work/assets/models/"
node -e '
  const fs = require("fs");
  const b = fs.readFileSync(process.argv[1]);
  b[b.length - 100] ^= 0x55;
  fs.writeFileSync(process.argv[2], b);
' "$work/vectors/hand_landmark_lite.tflite.mlshrink" "$work/assets/models/corrupt.tflite.mlshrink"
cp "$work/vectors/person_detect.tflite.bin" "$work/assets/models/plain.tflite"
cp "$work/vectors/person_detect.tflite.bin" "$work/assets/models/deflated.model"

# The reference decoder: the compiler's own CLI (npm run build must have run).
node "$root/compiler/bin/mlshrink.js" unpack "$work/assets/models/hand_landmark_lite.tflite.mlshrink" \
  -o "$work/expected/hand_landmark_lite.tflite"

aapt2 link -o "$work/unaligned.apk" -I "$framework" --manifest "$here/AndroidManifest.xml" \
  -A "$work/assets" -0 .tflite -0 .mlshrink
zipalign -p -f 4 "$work/unaligned.apk" "$work/app.apk"

cat > "$classes/com/android/tools/test_config.properties" <<PROPS
android_merged_manifest=$here/AndroidManifest.xml
android_resource_apk=$work/app.apk
android_merged_assets=$work/assets
PROPS
