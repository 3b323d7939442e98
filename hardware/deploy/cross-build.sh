#!/bin/sh
# Builds the kiosk binary for a 64-bit Raspberry Pi (aarch64, Raspberry Pi OS Bookworm)
# on an x86_64 Debian 12 machine. CROSS-COMPILE.md says what to install first and how
# far this was checked. Usage: hardware/deploy/cross-build.sh [extra cargo arguments]
set -eu

target=aarch64-unknown-linux-gnu
cd "$(dirname "$0")/../.."

# Fail early with the fix, rather than deep inside a build script.
missing=""
command -v aarch64-linux-gnu-gcc >/dev/null || missing="$missing gcc-aarch64-linux-gnu"
command -v aarch64-linux-gnu-pkg-config >/dev/null || missing="$missing pkgconf:arm64"
for pc in libinput libudev xkbcommon fontconfig; do
    if command -v aarch64-linux-gnu-pkg-config >/dev/null &&
        ! aarch64-linux-gnu-pkg-config --exists "$pc"; then
        missing="$missing $pc.pc(arm64)"
    fi
done
if [ -n "$missing" ]; then
    echo "cross-build: missing:$missing" >&2
    echo "cross-build: see hardware/deploy/CROSS-COMPILE.md, 'What to install'" >&2
    exit 1
fi
if ! rustup target list --installed | grep -qx "$target"; then
    echo "cross-build: run 'rustup target add $target' first" >&2
    exit 1
fi

# Cargo links with the cross gcc; the *-sys build scripts (libudev, fontconfig) ask the
# arm64 pkg-config, which looks in /usr/lib/aarch64-linux-gnu, not at the build
# machine's own x86_64 libraries. The cc crate finds aarch64-linux-gnu-gcc by itself
# for SQLite's C code.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export PKG_CONFIG_aarch64_unknown_linux_gnu=aarch64-linux-gnu-pkg-config
# Symbols are half the binary and nobody debugs on the kiosk itself; stripping at link
# time avoids a separate aarch64 strip step.
export CARGO_PROFILE_RELEASE_STRIP=symbols

cargo build --release --target "$target" --features kiosk-device,rpi --bin linli "$@"

binary="${CARGO_TARGET_DIR:-target}/$target/release/linli"
echo "cross-build: $binary"
file "$binary" 2>/dev/null || true
