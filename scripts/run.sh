#!/usr/bin/env bash
# Sets up this machine if needed, builds, and opens Trellis on its own database in the
# OS data folder (offering demo data on first run). Extra arguments go to the app.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
TRELLIS_SKIP_DRIVER=1 scripts/setup.sh
scripts/build-ui.sh
cargo build --workspace --release
exec target/release/trellis-app "$@"
