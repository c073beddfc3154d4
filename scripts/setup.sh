#!/usr/bin/env bash
# One-time (idempotent) set-up for a fresh Debian 12 machine: system packages for
# building the Tauri app and running the tests, the UI's npm packages, tauri-driver.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  build-essential pkg-config file
  xvfb xauth webkit2gtk-driver poppler-utils imagemagick fonts-dejavu-core
  sqlite3
  # The device token's OS credential store: libdbus to build against, and a real Secret
  # Service (gnome-keyring on a private D-Bus session) for its test.
  libdbus-1-dev dbus-daemon gnome-keyring
  # A laptop whose clock is hours ahead, for the sync clock tests (libfaketime).
  faketime
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The downloaded .deb files are not needed again; CI machines can be short of disk.
  $SUDO apt-get clean
fi

if ! command -v npm >/dev/null; then
  echo "setup: npm is required (Node.js 20 or newer)" >&2
  exit 1
fi
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: installing UI packages"
  (cd ui && npm ci --no-audit --no-fund)
fi

if [ "${TRELLIS_SKIP_DRIVER:-0}" != "1" ] && ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version "^2"
fi
