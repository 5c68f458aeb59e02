#!/usr/bin/env bash
# Builds the loadable extension into dist/extension: compiles the popup to WebAssembly,
# generates its JS bindings with wasm-bindgen, shrinks it with wasm-opt when available,
# and copies the manifest, pages, scripts and icons beside it.
#
# Usage: scripts/build-extension.sh [--release] [--out-dir DIR]
#   --release      build with the size-optimised `release-wasm` profile (default: dev profile)
#   --out-dir DIR  write the extension to DIR instead of dist/extension; DIR is replaced
# Environment: WASM_OPT  path of the wasm-opt to run (default: the one npm installs in
#              extension/popup/node_modules, which scripts/deps.sh sets up, else wasm-opt on PATH)
set -eu

script_name=build-extension.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found. $2"
}

profile=dev
profile_dir=debug
output=""
while [ $# -gt 0 ]; do
    case "$1" in
        --release) profile=release-wasm; profile_dir=release-wasm ;;
        --out-dir)
            [ $# -ge 2 ] || die "--out-dir needs a folder"
            output=$2
            shift
            ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (expected --release or --out-dir DIR)" ;;
    esac
    shift
done
# A relative folder is relative to where the script was started.
case "$output" in
    ""|/*) ;;
    *) output="$PWD/$output" ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need_cmd cargo "Install Rust with rustup (scripts/deps.sh does this)."
need_cmd rustup "Install Rust with rustup (scripts/deps.sh does this)."
need_cmd wasm-bindgen "Install it with: cargo install --locked wasm-bindgen-cli --version <the wasm-bindgen version in Cargo.lock>"

rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    die "the wasm32-unknown-unknown target is missing. Install it with: rustup target add wasm32-unknown-unknown"

# The CLI and the wasm-bindgen crate must be the same version, or the generated glue does
# not match the module's custom section and the popup fails to start.
locked_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
cli_version=$(wasm-bindgen --version | awk '{ print $2 }')
[ -n "$locked_version" ] || die "Cargo.lock records no wasm-bindgen version; run cargo build -p jira-bridge-popup first"
if [ "$cli_version" != "$locked_version" ]; then
    die "wasm-bindgen-cli is $cli_version but Cargo.lock has wasm-bindgen $locked_version. Install the matching CLI: cargo install --locked wasm-bindgen-cli --version $locked_version"
fi
say "wasm-bindgen $cli_version matches Cargo.lock"

say "compiling the popup for wasm32-unknown-unknown (profile $profile)"
# `release-wasm` inherits `strip = true` from `release`, which drops the target_features
# section that wasm-bindgen reads to decide whether to use externref. Keep the section;
# wasm-opt's --strip-debug (or, without wasm-opt, wasm-bindgen's --remove-name-section)
# below drops the symbol names instead.
CARGO_PROFILE_RELEASE_WASM_STRIP=false \
    cargo build -p jira-bridge-popup --target wasm32-unknown-unknown --profile "$profile"

target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
wasm="$target_dir/wasm32-unknown-unknown/$profile_dir/jira_bridge_popup.wasm"
[ -f "$wasm" ] || die "the build produced no $wasm"

[ -n "$output" ] || output="$root/dist/extension"
# The folder is deleted and rebuilt, so refuse folders that hold more than an extension.
case "$(cd "$output" 2>/dev/null && pwd)" in
    /|"$root"|"$HOME") die "--out-dir $output would delete $(cd "$output" && pwd); name a folder for the extension only" ;;
esac
rm -rf "$output"
mkdir -p "$output/pkg" "$output/icons"

# WASM_OPT names another wasm-opt. The default is the pinned npm package `binaryen` that
# scripts/deps.sh installs from extension/popup/package.json.
wasm_opt=${WASM_OPT:-}
if [ -z "$wasm_opt" ]; then
    wasm_opt=wasm-opt
    [ -x extension/popup/node_modules/.bin/wasm-opt ] && wasm_opt="$root/extension/popup/node_modules/.bin/wasm-opt"
fi
wasm_opt_version=""
if command -v "$wasm_opt" >/dev/null 2>&1; then
    wasm_opt_version=$("$wasm_opt" --version | sed -n 's/^wasm-opt version \([0-9][0-9]*\).*/\1/p')
fi
# Binaryen 108 (Debian 12's) merged externref into anyref, and its output makes the
# popup fail at start with "WebAssembly.Table.set(): Argument 1 is invalid for table".
# Version 110 restored externref.
# NOTE: only 108 (broken) and 132 (working) were tried; 110 is the changelog's word.
run_wasm_opt=false
if [ "$profile" = release-wasm ] && [ -n "$wasm_opt_version" ] && [ "$wasm_opt_version" -ge 110 ]; then
    run_wasm_opt=true
fi

bindgen_flags="--target web --no-typescript"
if [ "$profile" = release-wasm ]; then
    bindgen_flags="$bindgen_flags --remove-producers-section"
    # wasm-opt sorts functions by these names before it strips them.
    [ "$run_wasm_opt" = true ] || bindgen_flags="$bindgen_flags --remove-name-section"
fi
# shellcheck disable=SC2086 # the flags are words on purpose
wasm-bindgen $bindgen_flags --out-dir "$output/pkg" "$wasm"

bindgen_wasm="$output/pkg/jira_bridge_popup_bg.wasm"
if [ "$run_wasm_opt" = true ]; then
    # Size flags, each measured with gzip -9 on the popup (scripts/bench.sh):
    # - inlining functions that have one caller shrinks the raw module but grows the
    #   gzipped one, so it is off;
    # - sorting functions by name puts the copies of one generic function side by side,
    #   where gzip finds the repeats.
    # The --enable flags name WebAssembly features that Rust enables by default for
    # wasm32-unknown-unknown, because wasm-opt releases that predate those defaults
    # reject the module unless they are named.
    "$wasm_opt" -Oz --one-caller-inline-max-function-size=0 --reorder-functions-by-name \
        --strip-debug --strip-producers \
        --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
        --enable-sign-ext --enable-reference-types --enable-multivalue \
        -o "$bindgen_wasm.opt" "$bindgen_wasm"
    mv "$bindgen_wasm.opt" "$bindgen_wasm"
    say "shrank the module with wasm-opt $wasm_opt_version"
elif [ "$profile" = release-wasm ]; then
    if [ -n "$wasm_opt_version" ]; then
        say "skipping wasm-opt: version $wasm_opt_version breaks wasm-bindgen's externref table; run scripts/deps.sh (it installs binaryen 132 from npm) for a smaller popup"
    else
        say "wasm-opt not found; the module is not size-optimised (run scripts/deps.sh, which installs binaryen 132 from npm)"
    fi
fi

cp extension/manifest.json extension/background.js extension/popup.html extension/popup.css \
    extension/popup.js extension/selection.js "$output/"
cp extension/icons/*.png "$output/icons/"

say "extension ready in $output ($(wc -c <"$bindgen_wasm") bytes of Wasm)"
echo "$output"
