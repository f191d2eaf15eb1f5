#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, from the package registries only.
# Idempotent: safe to run on a machine that already has some of it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the Fashion-MNIST test set, Android packaging tools for the APK check,
# compressors the pack bench compares against (xz also for the report's xz -9e bar), the JDK/Maven
# for the Java modules, and chromium for the HTML report's real-browser test.
apt_packages=(dataset-fashion-mnist aapt zipalign apksigner android-framework-res xz-utils zstd openjdk-17-jdk-headless maven chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # Another apt/dpkg run (unattended upgrades, a parallel job) may hold the lock: wait for it instead of failing.
  lock=(-o DPkg::Lock::Timeout=600)
  $sudo apt-get "${lock[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm workspace (exact versions from package-lock.json), then the compiler's dist/ for the `mlshrink` bin.
npm ci --no-audit --no-fund
npm run build
