#!/usr/bin/env bash
# Builds ui/ into ui/dist, which the app embeds at compile time.
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [ ! -f package.json ]; then
  echo "build-ui: ui/package.json is missing" >&2
  exit 1
fi
npm run build --silent
