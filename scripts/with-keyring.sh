#!/usr/bin/env bash
# Runs a command inside a private D-Bus session whose Secret Service is a fresh, unlocked
# gnome-keyring, so that tests use a real OS credential store without a display, a prompt
# or the person's own keyring. XDG_DATA_HOME (where the keyring file lives) and
# XDG_RUNTIME_DIR point at temporary folders that are deleted afterwards.
#
# Usage: scripts/with-keyring.sh CMD [ARG...]
# Exits with CMD's exit status.
set -eu

script_name=with-keyring.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found. $2"
}

[ $# -gt 0 ] || die "no command given. Usage: scripts/with-keyring.sh CMD [ARG...]"
need_cmd dbus-run-session "Install the dbus-daemon package (scripts/deps.sh does this)."
need_cmd gnome-keyring-daemon "Install the gnome-keyring package (scripts/deps.sh does this)."

scratch=$(mktemp -d "${TMPDIR:-/tmp}/jira-bridge-keyring.XXXXXX")
cleanup() { rm -rf "$scratch"; }
trap cleanup EXIT
mkdir -p "$scratch/data" "$scratch/runtime"
chmod 700 "$scratch/runtime"

export XDG_DATA_HOME="$scratch/data"
export XDG_RUNTIME_DIR="$scratch/runtime"

# Inside the session: --unlock with a password on stdin creates the `login` collection
# already unlocked and makes it the default, so storing a secret needs no prompt. The
# daemon exits when dbus-run-session stops the session bus after CMD.
status=0
dbus-run-session -- bash -c '
    set -eu
    printf %s "jira-bridge-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"
' with-keyring "$@" || status=$?
exit "$status"
