#!/usr/bin/env bash
# Cuts the kiosk's embedded font (assets/fonts/NotoSansCJKsc-Linli.otf) from Noto Sans
# CJK SC, which Debian ships in fonts-noto-cjk under the SIL Open Font License 1.1.
#
# Why a subset of exactly GBK: the kiosk must show every name it can print, and the
# receipt printer prints GBK (anything outside it becomes "□" on paper), so the screen
# and the slip agree. The whole CJK collection is 20+ MB per weight; GBK's 21,791
# characters plus Latin, punctuation and full-width forms come to about 11 MB.
#
# Run it again (and commit the result) only to change the character set or the
# source font. Needs fonts-noto-cjk (apt); fonttools comes from PyPI, installed here
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pyftsubset >/dev/null; then
  python3 -m pip install --quiet --user fonttools
  export PATH="$HOME/.local/bin:$PATH"
fi
source_font=${1:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
out=assets/fonts/NotoSansCJKsc-Linli.otf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every character GBK encodes in two bytes.
python3 - "$work/gbk.txt" <<'PY'
import sys
chars = set()
for hi in range(0x81, 0xFF):
    for lo in range(0x40, 0xFF):
        try:
            c = bytes([hi, lo]).decode("gbk")
        except UnicodeDecodeError:
            continue
        if len(c) == 1:
            chars.add(c)
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(chars)))
PY

# Font number 2 in the collection is Noto Sans CJK SC (simplified Chinese glyph forms).
pyftsubset "$source_font" --font-number=2 \
    --text-file="$work/gbk.txt" \
    --unicodes="U+0020-007E,U+00A0-00FF,U+2010-2027,U+2030-203B,U+2190-2193,U+25A0-25CF,U+3000-303F,U+FF00-FFEF" \
    --layout-features='*' \
    --output-file="$out"
echo "wrote $out ($(stat -c %s "$out") bytes)"
