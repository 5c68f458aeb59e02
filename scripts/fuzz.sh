#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded time with libFuzzer, starting from the
# seed corpus in fuzz/corpus/<target>/, and fails if any target finds a crash.
#
# Usage: scripts/fuzz.sh [SECONDS]   (SECONDS per target, default 30)
#
# New inputs libFuzzer finds go to a temporary folder, so the seeds in the repository stay
# hand-made. A crashing input is kept in fuzz/artifacts/<target>/ for replay with
# `cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-...`.
set -eu

script_name=fuzz.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found. $2"
}

seconds=${1:-30}
case "$seconds" in
    '' | *[!0-9]*) die "SECONDS must be a whole number of seconds per target, got '$seconds'" ;;
esac
[ "$(uname -s)" = Linux ] || [ "$(uname -s)" = Darwin ] \
    || die "fuzzing needs libFuzzer, which cargo-fuzz supports on Linux and macOS only"

need_cmd cargo "Install Rust from https://rustup.rs."
need_cmd rustup "Install Rust from https://rustup.rs."
rustup toolchain list | grep -q '^nightly' \
    || die "the nightly toolchain is required: run 'rustup toolchain install nightly'"
if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/jira-bridge-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Build once, then run the binaries: `cargo fuzz run` would rebuild before each target.
say "building the fuzz targets"
cargo +nightly fuzz build
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin_dir="target/$triple/release"
# cargo fuzz run sets this too: AddressSanitizer reports false ODR violations in Rust builds.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_odr_violation=0}"

targets=$(cargo +nightly fuzz list)
failed=""
summary=""
for target in $targets; do
    seeds="corpus/$target"
    [ -d "$seeds" ] || die "the seed corpus $seeds is missing; add a few hand-made inputs"
    mkdir -p "$scratch/$target"
    say "fuzzing $target for $seconds s"
    status=0
    mkdir -p "artifacts/$target"
    # The first corpus folder receives new inputs; the seed folder is only read.
    "$bin_dir/$target" "$scratch/$target" "$seeds" -artifact_prefix="artifacts/$target/" \
        -max_total_time="$seconds" -print_final_stats=1 >"$scratch/$target.log" 2>&1 || status=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$scratch/$target.log" | tail -n 1)
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$scratch/$target.log" >&2
        failed="$failed $target"
        summary="$summary$target: FAILED (exit status $status)\n"
    else
        summary="$summary$target: ${runs:-unknown} executions in $seconds s, no crash\n"
    fi
done

printf "%b" "$summary" | sed "s/^/$script_name: /" >&2
[ -z "$failed" ] || die "crash found in:$failed; the inputs are in fuzz/artifacts/"
