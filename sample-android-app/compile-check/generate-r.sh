#!/usr/bin/env bash
# R.java for the sample app, as AGP would generate it: aapt2 compile + link --java.
#   generate-r.sh <app-dir> <out-dir>
set -euo pipefail
app=$1 out=$2
framework=${FRAMEWORK_RES:-$(dpkg -L android-framework-res 2>/dev/null | grep '/framework-res\.apk$' | head -n 1 || true)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed 's#<manifest #<manifest package="dev.mlshrink.sample" #' "$app/src/main/AndroidManifest.xml" > "$work/AndroidManifest.xml"
aapt2 compile --dir "$app/src/main/res" -o "$work/res.zip"
rm -rf "$out" && mkdir -p "$out"
aapt2 link -o "$work/r.apk" -I "$framework" --manifest "$work/AndroidManifest.xml" --java "$out" "$work/res.zip"
