#!/usr/bin/env bash
# Runs the browser end-to-end tests (node --test) against the built extension, the native
# host and the fake Jira. Builds whichever of them is missing, installs the npm packages
# when node_modules is missing, and runs inside a private D-Bus session with a fresh
# gnome-keyring (scripts/with-keyring.sh), so the tests never touch the person's keyring.
#
# Usage: tests/browser/run.sh [TEST_FILE...]
#   TEST_FILE  a test file in tests/browser, such as chromium.test.mjs (default: all of them)
# Environment:
#   JIRA_BRIDGE_CONTRACT_DIR  folder for the fake Jira's request records (optional)
#   JIRA_BRIDGE_KEEP_TEMP=1   keep each test's temporary profile folder for inspection
#   CHROMIUM_BINARY, FIREFOX_BINARY  browsers to run (default: /usr/bin/chromium,
#                             /usr/bin/firefox-esr)
set -eu

script_name=run.sh
say() { echo "tests/browser/$script_name: $*" >&2; }
die() { say "$*"; exit 1; }
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found. $2"
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

[ "$(uname -s)" = Linux ] || die "the browser tests run on Linux only (they need gnome-keyring and the Debian browser packages)."

# A fresh keyring for every run, even when the caller already provides one, because the
# tests store a canary token. A nested private session takes well under a second to start.
if [ "${JIRA_BRIDGE_BROWSER_KEYRING:-}" != 1 ]; then
    export JIRA_BRIDGE_BROWSER_KEYRING=1
    exec bash "$root/scripts/with-keyring.sh" bash "$here/run.sh" "$@"
fi

need_cmd node "Install Node.js 20 or later (scripts/deps.sh does this)."
need_cmd npm "Install Node.js 20 or later (scripts/deps.sh does this)."
need_cmd cargo "Install Rust with rustup (scripts/deps.sh does this)."
need_cmd secret-tool "Install the libsecret-tools package (scripts/deps.sh does this)."
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_BINARY:-}" ] ||
    die "/usr/bin/chromium is missing. Install the chromium package (scripts/deps.sh does this) or set CHROMIUM_BINARY."

cd "$root"

if [ ! -d "$here/node_modules" ]; then
    say "installing npm packages (npm ci)"
    (cd "$here" && npm ci --no-audit --no-fund)
fi

if [ ! -x target/debug/jira-bridge-host ]; then
    say "building the native host"
    cargo build -p jira-bridge-host
fi
if [ ! -x target/debug/fake-jira ]; then
    say "building the fake Jira"
    cargo build -p fake-jira
fi
if [ ! -f dist/extension/manifest.json ]; then
    say "building the extension"
    bash scripts/build-extension.sh >/dev/null
fi

if [ $# -eq 0 ]; then
    set -- "$here"/*.test.mjs
fi
chromium_version=$("${CHROMIUM_BINARY:-/usr/bin/chromium}" --version 2>/dev/null | awk '{ print $2 }') || true
firefox_version=$("${FIREFOX_BINARY:-/usr/bin/firefox-esr}" --version 2>/dev/null | awk '{ print $3 }') || true
say "running $* (Chromium ${chromium_version:-not found}, Firefox ${firefox_version:-not found})"
cd "$here"
exec node --test --test-reporter=spec "$@"
