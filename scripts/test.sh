#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds the native host and the extension,
# and runs the Rust tests, the browser end-to-end tests and the Jira contract checks with a
# real Secret Service. Then it type-checks the host for Windows and macOS, builds and checks
# the release packages (with Mozilla's web-ext lint), and fuzzes the host's parsers for
# 15 s per target. Stops at the first failing stage and prints a summary of the stages.
#
# Usage: scripts/test.sh
# Environment:
#   JIRA_BRIDGE_SKIP_DEPS=1  skip scripts/deps.sh (dependencies already installed)
# Runs without a terminal (CI=true, no stdin) on 2 cores.
set -eu

script_name=test.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

summary=""
current_stage=""
started_at=$(date +%s)

print_summary() {
    status=$?
    if [ -n "$current_stage" ]; then
        summary="$summary
  FAILED  $current_stage"
    fi
    echo >&2
    say "stages:$summary"
    if [ "$status" = 0 ]; then
        say "all stages passed in $(( $(date +%s) - started_at )) s"
    else
        say "stopped after the failed stage above (exit status $status)"
    fi
}
trap print_summary EXIT

# Runs one named stage, timing it; a failure stops the script with the stage named.
stage() {
    name=$1
    shift
    current_stage=$name
    echo >&2
    say "=== $name"
    stage_start=$(date +%s)
    "$@"
    summary="$summary
  ok      $name ($(( $(date +%s) - stage_start )) s)"
    current_stage=""
}

skip() {
    summary="$summary
  skipped $1 ($2)"
    say "skipping $1: $2"
}

if [ "${JIRA_BRIDGE_SKIP_DEPS:-0}" = 1 ]; then
    skip "dependencies" "JIRA_BRIDGE_SKIP_DEPS=1"
else
    stage "dependencies" bash scripts/deps.sh
fi

stage "build native host and fake Jira" cargo build -p jira-bridge-host -p fake-jira

if [ -f scripts/build-extension.sh ]; then
    stage "build extension" bash scripts/build-extension.sh
else
    skip "build extension" "scripts/build-extension.sh not present"
fi

# Every request the host sends to the fake Jira during the tests is recorded here, one
# JSON line per request, for the contract check below.
contract_dir="$root/target/contract"
rm -rf "$contract_dir"
mkdir -p "$contract_dir"
export JIRA_BRIDGE_CONTRACT_DIR="$contract_dir"

stage "cargo test --workspace" bash scripts/with-keyring.sh cargo test --workspace

if [ -f tests/browser/run.sh ]; then
    stage "browser tests" bash scripts/with-keyring.sh bash tests/browser/run.sh
else
    skip "browser tests" "tests/browser/run.sh not present"
fi

validate_contract() {
    shopt -s nullglob
    records=("$contract_dir"/*.jsonl)
    shopt -u nullglob
    if [ ${#records[@]} = 0 ]; then
        say "no request records in $contract_dir: the tests against the fake Jira wrote none, so the contract check would prove nothing"
        return 1
    fi
    python3 tests/contract/validate.py "${records[@]}"
}

if [ -f tests/contract/validate.py ]; then
    stage "Jira contract check" validate_contract
else
    skip "Jira contract check" "tests/contract/validate.py not present"
fi

# Type-checks the platform code (registry, Keychain, Credential Manager) for the other
# systems; nothing is linked. A C dependency's build script still runs, so a target
# whose C headers are missing fails here with the compiler's message.
cross_check() {
    target=$1
    log="$root/target/cross-check-$target.log"
    if cargo check -p jira-bridge-host --target "$target" 2>"$log"; then
        return 0
    fi
    tail -n 30 "$log" >&2
    if grep -q 'failed to run custom build command for `ring' "$log"; then
        say "ring (rustls's crypto, pulled in by reqwest's rustls-tls feature) compiles C code for $target and needs that platform's C headers (the macOS SDK or the MSVC CRT), which this Linux machine does not have. Full log: $log"
    fi
    return 1
}

# x86_64-pc-windows-gnu builds ring with the MinGW-w64 compiler from Debian, so it checks
# the Windows code even where the MSVC headers are missing.
for target in x86_64-pc-windows-gnu x86_64-pc-windows-msvc x86_64-apple-darwin aarch64-apple-darwin; do
    stage "cargo check --target $target" cross_check "$target"
done

# Builds the store zips and the host archive, then checks their contents. It runs after
# the browser tests because it rebuilds dist/extension with the release profile.
package_and_lint() {
    bash scripts/package.sh
    python3 -m unittest discover -s tests/package
}

stage "package and web-ext lint" package_and_lint
stage "fuzz (bounded)" bash scripts/fuzz.sh 15
