#!/usr/bin/env bash
# Removes the native host's registrations, installed binary and caller allow-list, using
# the installed jira-bridge-host (or the one built in this checkout).
#
# Usage: scripts/uninstall.sh [UNINSTALL_OPTION...]
#   for example --browser firefox, --system, --forget-secrets (also delete saved tokens)
set -eu

script_name=uninstall.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }

case "${1:-}" in
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)

case "$(uname -s)" in
    Linux) installed="${XDG_DATA_HOME:-$HOME/.local/share}/jira-bridge/bin/jira-bridge-host" ;;
    Darwin) installed="$HOME/Library/Application Support/jira-bridge/bin/jira-bridge-host" ;;
    *) die "unsupported system $(uname -s): on Windows run jira-bridge-host.exe uninstall" ;;
esac

host=""
for candidate in "$installed" "$root/target/release/jira-bridge-host" "$root/target/debug/jira-bridge-host"; do
    if [ -x "$candidate" ]; then
        host=$candidate
        break
    fi
done
[ -n "$host" ] || die "no jira-bridge-host binary found (looked for $installed and under $root/target); build it with: cargo build --release -p jira-bridge-host"

# Run a copy, because uninstall deletes the installed binary it would otherwise run from.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/jira-bridge-uninstall.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cp "$host" "$scratch/jira-bridge-host"
"$scratch/jira-bridge-host" uninstall "$@"
