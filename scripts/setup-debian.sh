#!/usr/bin/env bash
# Install the Debian packages the full test suite needs (idempotent):
#   chromium        headless browser for the end-to-end tests (driven by Playwright)
#   fonts-noto-cjk  so Chinese text renders in screenshots and print maps
#   poppler-utils   pdftotext / pdffonts: the print-map tests read the PDF and its embedded fonts
#   postgresql, postgis  a throwaway PostGIS server for the team-store tests
# Runs apt-get as root (directly, or through sudo when available). Skips what is installed.
set -euo pipefail
pkgs=(chromium fonts-noto-cjk postgresql postgis poppler-utils)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-debian: all of ${pkgs[*]} are installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-debian: need root to install: ${missing[*]} (or run the tests with GEOPLAN_SKIP_E2E=1 GEOPLAN_SKIP_POSTGIS=1)" >&2
    exit 1
  fi
fi
echo "setup-debian: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
