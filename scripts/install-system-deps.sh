#!/usr/bin/env bash
# Install the system packages Verae needs to run and test (PostgreSQL server; Tesseract with the nine
# report languages: Russian, English, French, Spanish, Portuguese, German, Italian, Turkish and Ukrainian, and its
# headers with a compiler, which `uv sync` builds tesserocr against; DejaVu fonts for the PDF report and
# the test-report generator; Chromium for the web app's browser tests; nginx for `make prod-like`) when
# they are missing.
# Needs root; a no-op when all are present.
set -euo pipefail
packages=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
command -v tesseract >/dev/null 2>&1 || packages+=(tesseract-ocr)
for lang in rus eng fra spa por deu ita tur ukr; do
  tesseract --list-langs 2>/dev/null | grep -qx "$lang" || packages+=("tesseract-ocr-$lang")
done
# tesserocr (the reader's binding to Tesseract) is built against this Tesseract by `uv sync`
pkg-config --exists tesseract lept 2>/dev/null || packages+=(libtesseract-dev libleptonica-dev pkg-config)
command -v g++ >/dev/null 2>&1 || packages+=(g++)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages+=(fonts-dejavu-core)
[ -x /usr/bin/chromium ] || packages+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || packages+=(nginx)
[ ${#packages[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing system packages: ${packages[*]} (run as root or install them)" >&2
  exit 1
fi
echo "installing system packages: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
