#!/usr/bin/env bash
# Runs every test: set-up, formatting, lints, the whole workspace's unit, integration
# and end-to-end tests (the real app under Xvfb through tauri-driver).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# A one-off build gains nothing from incremental caches, which take a gigabyte of disk.
export CARGO_INCREMENTAL=0

echo "== disk free before the build"
df -h . | tail -n 1

scripts/setup.sh
scripts/build-ui.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo build"
cargo build --workspace --all-targets
echo "== cargo test"
cargo test --workspace -- --test-threads=2
