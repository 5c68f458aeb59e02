#!/usr/bin/env bash
# Measures the native host and the popup against the baselines people would use instead,
# each baseline measured in the same run, and prints a table of medians and ratios with
# MISSED beside each missed target. Not a test: it exits 0 whatever the figures are, and
# non-zero only when a measurement could not be made.
#
# Usage: scripts/bench.sh [--quick] [--skip-popup]
#   --quick       a fifth of the samples (for trying the script, not for records)
#   --skip-popup  skip the Wasm size and the headless Chromium figures
# Needs: cargo, python3, gzip, dbus-monitor and the Secret Service set up by
# scripts/with-keyring.sh (gnome-keyring, dbus); for the popup also node, npm and
# /usr/bin/chromium. Everything listens on 127.0.0.1 only.
set -eu

script_name=bench.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found. $2"
}

quick=""
popup=true
for argument in "$@"; do
    case "$argument" in
        --quick) quick="--quick" ;;
        --skip-popup) popup=false ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $argument (expected --quick or --skip-popup)" ;;
    esac
done

[ "$(uname -s)" = Linux ] || die "the benchmark reads /proc and the Secret Service, so it runs on Linux only"

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need_cmd cargo "Install Rust with rustup (scripts/deps.sh does this)."
need_cmd python3 "Install Python 3 (the baseline native host is a Python script)."
need_cmd gzip "Install gzip."
need_cmd dbus-monitor "Install the dbus package (scripts/deps.sh does this)."
if [ "$popup" = true ]; then
    need_cmd node "Install Node.js 20 or later (scripts/deps.sh does this)."
    need_cmd npm "Install npm (scripts/deps.sh does this)."
    [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing. Install it with scripts/deps.sh, or pass --skip-popup."
fi

target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
tools="$target_dir/bench-tools"
results="$target_dir/bench/results.jsonl"
mkdir -p "$tools" "$(dirname "$results")"
rm -f "$results"

say "building the host and the benchmark programs (release profile)"
cargo build --release -p jira-bridge-host
cargo build --release -p jira-bridge-bench
bench="$target_dir/release/jira-bridge-bench"
host="$target_dir/release/jira-bridge-host"

# The tutorials' host is started as `python3 script.py`. Resolve the interpreter itself,
# because a version manager's shim (pyenv) adds a shell start to every spawn.
python=$(python3 -c 'import sys; print(sys.executable)')

started=$(date +%s)
say "measuring the host (inside a private D-Bus session with gnome-keyring)"
scripts/with-keyring.sh "$bench" host --host-binary "$host" --python-host bench/python_host.py \
    --python "$python" --results "$results" $quick

# Returns the major version of a wasm-opt, or 0 when it cannot be read.
wasm_opt_major() {
    "$1" --version 2>/dev/null | sed -n 's/^wasm-opt version \([0-9][0-9]*\).*/\1/p' | grep . || echo 0
}

if [ "$popup" = true ]; then
    # Binaryen before 110 breaks wasm-bindgen's externref table and Debian 12 ships 108, so
    # build-extension.sh uses the binaryen 132 that npm installs from extension/popup.
    if [ -z "${WASM_OPT:-}" ] && [ ! -x extension/popup/node_modules/.bin/wasm-opt ]; then
        say "installing binaryen 132 from npm into extension/popup (as scripts/deps.sh does)"
        (cd extension/popup && npm ci --no-audit --no-fund >&2)
    fi
    wasm_opt_version=$(wasm_opt_major "${WASM_OPT:-extension/popup/node_modules/.bin/wasm-opt}")

    say "building the extension (release)"
    # Into a folder of its own, because other builds and tests rewrite dist/extension.
    extension=$(scripts/build-extension.sh --release --out-dir "$target_dir/bench/extension" | tail -n 1)
    wasm="$extension/pkg/jira_bridge_popup_bg.wasm"
    "$bench" wasm-size --results "$results" --wasm "$wasm" \
        --note "built by scripts/build-extension.sh --release with wasm-opt $wasm_opt_version (-Oz, no one-caller inlining, functions sorted by name)"

    playwright_dir="$root/tests/browser"
    if [ ! -d "$playwright_dir/node_modules/playwright-core" ]; then
        playwright_dir="$tools"
        if [ ! -d "$tools/node_modules/playwright-core" ]; then
            say "installing playwright-core into $tools (tests/browser has no node_modules)"
            npm install --prefix "$tools" --no-audit --no-fund --no-save playwright-core@1.65.1 >&2
        fi
    fi

    say "measuring the popup in headless Chromium"
    scripts/with-keyring.sh "$bench" popup --host-binary "$host" --results "$results" \
        --extension "$extension" --script bench/popup_open.mjs --playwright-dir "$playwright_dir" $quick
fi

say "measured in $(( $(date +%s) - started )) s on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$bench" report "$results"
