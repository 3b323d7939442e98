#!/usr/bin/env bash
# Re-extracts the @tr strings from ui/ and rewrites the English catalogue that
# build.rs bundles. Needs slint-tr-extractor (cargo install slint-tr-extractor@1.18.1).
set -euo pipefail
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
find ui -name '*.slint' | sort | xargs slint-tr-extractor -d linli -o "$pot"
python3 tools/translate.py "$pot" lang/en/LC_MESSAGES/linli.po
echo "wrote lang/en/LC_MESSAGES/linli.po"
