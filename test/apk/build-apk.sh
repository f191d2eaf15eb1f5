#!/usr/bin/env bash
# Assembles a real, signed APK from the sample app's manifest and resources plus an assets directory,
# with Debian's Android tools (aapt2, zipalign, apksigner) and the JDK's keytool:
#
#   build-apk.sh <app-dir> <assets-dir> <out.apk> <work-dir>
#
# This is AGP's packaging step without AGP (not reachable here). What AGP does that this does not:
# compile Kotlin and dex it (no d8 on this machine, so the APK has no classes.dex), merge library
# manifests/resources, and package native libraries. The manifest gets what AGP injects from
# build.gradle.kts: package (namespace), version and SDK levels, passed here as aapt2 options.
set -euo pipefail

app=$1 assets=$2 out=$3 work=$4
package=${APK_PACKAGE:-dev.mlshrink.sample}
min_sdk=${APK_MIN_SDK:-24}
target_sdk=${APK_TARGET_SDK:-35}
framework=${FRAMEWORK_RES:-}
if [ -z "$framework" ]; then
  framework=$(dpkg -L android-framework-res 2>/dev/null | grep '/framework-res\.apk$' | head -n 1 || true)
fi
[ -f "$framework" ] || { echo "build-apk: framework-res.apk not found (apt-get install android-framework-res, or set FRAMEWORK_RES)" >&2; exit 3; }

mkdir -p "$work"
rm -f "$work/res.zip" "$work/unsigned.apk" "$work/aligned.apk" "$out"

# The manifest AGP would merge: the source manifest plus the namespace as package.
sed "s#<manifest #<manifest package=\"$package\" #" "$app/src/main/AndroidManifest.xml" > "$work/AndroidManifest.xml"

aapt2 compile --dir "$app/src/main/res" -o "$work/res.zip"
# -0 tflite: stored uncompressed, as AGP does for .tflite so the runtime can memory-map it.
aapt2 link -o "$work/unsigned.apk" -I "$framework" --manifest "$work/AndroidManifest.xml" \
  --min-sdk-version "$min_sdk" --target-sdk-version "$target_sdk" --version-code 1 --version-name 0.1.0 \
  -A "$assets" -0 .tflite "$work/res.zip"
zipalign -p -f 4 "$work/unsigned.apk" "$work/aligned.apk"

keystore="$work/debug.keystore"
if [ ! -f "$keystore" ]; then
  keytool -genkeypair -keystore "$keystore" -storepass android -keypass android -alias androiddebugkey \
    -keyalg RSA -keysize 2048 -validity 10000 -dname "CN=Android Debug,O=Android,C=US" >/dev/null 2>&1
fi
apksigner sign --ks "$keystore" --ks-pass pass:android --key-pass pass:android --ks-key-alias androiddebugkey \
  --out "$out" "$work/aligned.apk"
apksigner verify --verbose "$out"
