#!/usr/bin/env bash
# Builds jira-bridge from this checkout and registers the native host with the browsers
# found on this machine (Linux or macOS), then prints how to load the extension.
#
# Usage: scripts/install.sh [--sandbox] [-- INSTALL_OPTION...]
#   --sandbox  also start a local fake Jira on 127.0.0.1, connect the host to it, and open
#              Chromium with the extension in a throwaway profile, to try the popup
#              without a Jira account
#   INSTALL_OPTION  passed to `jira-bridge-host install`, for example --browser firefox
# Asks no question when stdin is not a terminal.
set -eu

script_name=install.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found. $2"
}

sandbox=false
install_options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --sandbox) sandbox=true ;;
        --) shift; install_options=("$@"); break ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (expected --sandbox, or -- followed by install options)" ;;
    esac
    shift
done

case "$(uname -s)" in
    Linux|Darwin) ;;
    *) die "unsupported system $(uname -s): use scripts/install.ps1 on Windows" ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need_cmd cargo "Install Rust with rustup: https://rustup.rs"
bash scripts/deps.sh --build

say "building the native host"
cargo build --release -p jira-bridge-host
host="$root/target/release/jira-bridge-host"

say "building the extension"
bash scripts/build-extension.sh --release
extension="$root/dist/extension"
[ -f "$extension/manifest.json" ] || die "the extension build left no $extension/manifest.json"

if [ "$sandbox" = false ]; then
    "$host" install "${install_options[@]+"${install_options[@]}"}"
    cat <<EOF

Next, load the extension:
  Chrome, Chromium, Edge, Brave, Vivaldi, Opera:
    open chrome://extensions, turn on Developer mode, click "Load unpacked" and pick
    $extension
  Firefox, LibreWolf, Waterfox:
    open about:debugging#/runtime/this-firefox, click "Load Temporary Add-on" and pick
    $extension/manifest.json
Then open the jira-bridge popup and connect your Jira site with an API token.
To remove the native host again: scripts/uninstall.sh
EOF
    exit 0
fi

# --- sandbox: a fake Jira on loopback and a throwaway Chromium profile ---

say "building the fake Jira"
cargo build --release -p fake-jira

chromium=""
for candidate in chromium chromium-browser /Applications/Chromium.app/Contents/MacOS/Chromium; do
    if command -v "$candidate" >/dev/null 2>&1; then
        chromium=$(command -v "$candidate")
        break
    fi
done

sandbox_dir="$root/target/sandbox"
profile="$sandbox_dir/chromium-profile"
mkdir -p "$sandbox_dir"
banner="$sandbox_dir/fake-jira.out"
rm -f "$banner"

"$root/target/release/fake-jira" sandbox >"$banner" 2>"$sandbox_dir/fake-jira.err" &
fake_jira_pid=$!
stop_fake_jira() { kill "$fake_jira_pid" 2>/dev/null || true; }
trap stop_fake_jira EXIT

# The first stdout line is `fake-jira listening on URL`; the banner after it names the
# sandbox account and token.
site=""
for _ in $(seq 1 100); do
    site=$(sed -n 's/^fake-jira listening on //p' "$banner" 2>/dev/null | head -n 1)
    if [ -n "$site" ] && grep -q '^  API token:' "$banner"; then
        break
    fi
    kill -0 "$fake_jira_pid" 2>/dev/null ||
        die "the fake Jira exited: $(cat "$sandbox_dir/fake-jira.err")"
    sleep 0.1
done
[ -n "$site" ] || die "the fake Jira did not report its address within 10 s"
email=$(sed -n 's/^  Email: *//p' "$banner" | head -n 1)
token=$(sed -n 's/^  API token: *//p' "$banner" | head -n 1)
say "fake Jira listening on $site"

# The sandbox serves plain http on 127.0.0.1, which the host accepts only with this
# setting; a real site always needs https.
export JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK=1
login_options=(--site "$site" --token-stdin)
case "$email" in
    ""|"("*) ;;
    *) login_options+=(--email "$email") ;;
esac
printf '%s' "$token" | "$host" login "${login_options[@]}" ||
    die "connecting the host to the sandbox failed. Saving the token needs the OS credential store: on Linux a Secret Service such as gnome-keyring in your desktop session, or run this script under scripts/with-keyring.sh."

"$host" install --user-data-dir "$profile" --browser chromium

chromium_options=(
    "--user-data-dir=$profile"
    "--load-extension=$extension"
    "--disable-extensions-except=$extension"
    --no-first-run
    --no-default-browser-check
    "chrome-extension://anpegadfdelagnlbdnaabihagcgccfgl/popup.html"
)

has_display=false
if [ "$(uname -s)" = Darwin ] || [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    has_display=true
fi

if [ -n "$chromium" ] && [ "$has_display" = true ]; then
    say "opening Chromium with the extension; close it to stop the sandbox"
    "$chromium" "${chromium_options[@]}" || say "Chromium exited with an error"
    say "sandbox stopped. To forget the sandbox site: $host logout --site $site"
    exit 0
fi

if [ -z "$chromium" ]; then
    say "Chromium was not found (Google Chrome ignores --load-extension, so it cannot be used here)."
else
    say "no display found (DISPLAY and WAYLAND_DISPLAY are empty), so Chromium was not opened."
fi
cat <<EOF

The sandbox Jira is running at $site and the host is connected to it.
On a machine with a display, open the extension with:
  JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK=1 chromium $(printf '%q ' "${chromium_options[@]}")
EOF

if [ -t 0 ]; then
    say "press Enter to stop the sandbox"
    read -r _
else
    say "stdin is not a terminal, so the sandbox stops now"
fi
