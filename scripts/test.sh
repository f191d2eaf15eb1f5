#!/usr/bin/env bash
# The whole test suite: TypeScript (typecheck + vitest, LiteRT as the oracle) and the Java modules (Maven + JUnit 5).
# Expects scripts/setup.sh to have run once on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build
npm run typecheck
npx vitest run
mvn -B -ntp -f gradle-plugin/pom.xml verify
