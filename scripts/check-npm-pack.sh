#!/usr/bin/env bash
# The README's "from a tarball" route as a user follows it: npm pack the compiler (prepack builds dist/),
# npm install the tarball into an empty folder, run the installed `npx mlshrink optimize` on the sample
# model with its calibration and eval data, and check the budget was met. ~1-2 min (npm install), so it
# is a script rather than part of `npm test`. Expects scripts/setup.sh to have run (npm cache filled).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/mlshrink-npm-pack-XXXXXX")"
trap 'rm -rf "$work"' EXIT

cd "$repo"
tarball="$work/$(npm pack -w mlshrink --pack-destination "$work" --silent | tail -n 1)"
mkdir "$work/app" && cd "$work/app"
echo '{ "name": "app", "private": true }' > package.json
npm install --no-audit --no-fund --prefer-offline "$tarball" >/dev/null

test "$(npx --no-install mlshrink --version)" = "$(node -p "require('$repo/compiler/package.json').version")"
sample="$repo/sample-android-app"
npx --no-install mlshrink optimize "$sample/src/main/assets/fashion_mnist_cnn.tflite" -o out \
  --calibration "$sample/mlshrink/calibration" --eval "$sample/mlshrink/eval" | tee "$work/optimize.txt"
grep -q 'budget 1.00 pt: met' "$work/optimize.txt"
node -e "const r = require('./out/fashion_mnist_cnn.report.json'); if (!r.ok) process.exit(1)"
test -s out/fashion_mnist_cnn.tflite.mlshrink
echo "npm pack check: OK ($(basename "$tarball") installed into an empty folder; npx mlshrink optimize met the budget)"
