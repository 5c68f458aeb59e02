#!/usr/bin/env bash
# Builds jira-bridge from this checkout and registers the native host with the browsers
# found on this machine (Linux or macOS), then prints how to load the extension.
#
# Usage: scripts/install.sh [--no-link] [--sandbox] [-- INSTALL_OPTION...]
#   --no-link  do not link jira-bridge-host into ~/.local/bin (or /usr/local/bin with --system)
#   --sandbox  instead of installing for your browsers, start a fake Jira on 127.0.0.1 and
#              open Chromium with the extension in a throwaway profile, to try the popup
#              without a Jira account. Linux with a desktop session only. Your settings,
#              keyring and browsers stay untouched, and the sandbox deletes its files
#              under target/sandbox when Chromium closes or on Ctrl+C.
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
link=true
install_options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --sandbox) sandbox=true ;;
        --no-link) link=false ;;
        --) shift; install_options=("$@"); break ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (expected --sandbox, --no-link, or -- followed by install options)" ;;
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

# --- sandbox: a fake Jira on loopback and a throwaway Chromium profile ---
#
# Everything the sandbox writes goes under target/sandbox. The host's config and data
# folders move there through XDG_CONFIG_HOME and XDG_DATA_HOME, which the host and
# Chromium honour on Linux. The Chromium profile and a private GNOME Keyring go there too,
# so the sandbox token never reaches the person's own keyring. Chromium runs with the same
# environment, so the host it starts finds the sandbox config and keyring.

sandbox_dir="$root/target/sandbox"
sandbox_keyring_password=jira-bridge-sandbox
chromium=""
chromium_pid=""
fake_jira_pid=""
bus_pid=""
run_dir=""

sandbox_check_requirements() {
    if [ "$(uname -s)" != Linux ]; then
        die "the sandbox runs on Linux only. It keeps its settings apart from yours through XDG_CONFIG_HOME and XDG_DATA_HOME, which the host ignores on macOS, so there it would write into your own settings and Keychain."
    fi

    for candidate in chromium chromium-browser; do
        if command -v "$candidate" >/dev/null 2>&1; then
            chromium=$(command -v "$candidate")
            break
        fi
    done
    [ -n "$chromium" ] ||
        die "the sandbox needs Chromium, which was not found (Google Chrome ignores --load-extension, so it cannot be used). On Debian: sudo apt-get install chromium"
    # Ubuntu's chromium-browser is a small script that starts the snap, and a snap browser
    # cannot start a native host installed outside the snap.
    if readlink -f "$chromium" | grep -q '^/snap/' || head -c 4096 "$chromium" | grep -q '/snap/bin/'; then
        die "the Chromium found at $chromium is the snap package, which cannot start the native host. Install a Chromium that is not a snap, or try jira-bridge in your own browser with scripts/install.sh."
    fi

    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
        die "the sandbox opens Chromium, so it needs a desktop session, and this shell has none (DISPLAY and WAYLAND_DISPLAY are empty). Run bash scripts/install.sh --sandbox in a terminal of your desktop session, or over ssh -X from one. Nothing was built or written."
    fi

    if ! command -v dbus-daemon >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
        die "the sandbox keeps its token in a private GNOME Keyring, so that your own keyring stays untouched, and needs dbus-daemon and gnome-keyring-daemon. On Debian or Ubuntu: sudo apt-get install dbus gnome-keyring"
    fi

    if [ -f "$sandbox_dir/sandbox.pid" ]; then
        other=$(cat "$sandbox_dir/sandbox.pid")
        if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
            die "a sandbox is already running (process $other). Close its Chromium window or press Ctrl+C in its terminal first."
        fi
    fi
}

# Deletes the files and folders the sandbox creates, and nothing else under target/sandbox.
sandbox_remove_files() {
    for name in config data cache chromium-profile run fake-jira.out fake-jira.err chromium.log sandbox.pid; do
        rm -rf "${sandbox_dir:?}/$name"
    done
    rmdir "$sandbox_dir" 2>/dev/null || true
    if [ -n "$run_dir" ]; then
        rm -rf "$run_dir"
    fi
}

# Stops every process the sandbox started, then deletes its files. Runs on every exit.
sandbox_stop() {
    if [ -n "$chromium_pid" ] && kill -0 "$chromium_pid" 2>/dev/null; then
        kill "$chromium_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$chromium_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$chromium_pid" 2>/dev/null || true
    fi

    # Native hosts that Chromium started exit when their port closes. Wait for them, so
    # that none is still writing its log while the folder is deleted.
    host_copy="$sandbox_dir/data/jira-bridge/bin/jira-bridge-host"
    if command -v pgrep >/dev/null 2>&1; then
        for _ in $(seq 1 50); do
            pgrep -f "^$host_copy" >/dev/null 2>&1 || break
            sleep 0.1
        done
    fi

    if [ -n "$fake_jira_pid" ]; then
        kill "$fake_jira_pid" 2>/dev/null || true
        wait "$fake_jira_pid" 2>/dev/null || true
    fi
    # gnome-keyring-daemon exits when its session bus goes away.
    if [ -n "$bus_pid" ]; then
        kill "$bus_pid" 2>/dev/null || true
    fi

    sandbox_remove_files
    say "sandbox stopped; its files under $sandbox_dir were deleted"
}

# Starts a private session bus and an unlocked GNOME Keyring on it. Exports
# DBUS_SESSION_BUS_ADDRESS, so the host and Chromium started later use this keyring.
sandbox_start_keyring() {
    # A D-Bus socket path may hold at most 107 bytes, and dbus-daemon adds about 16.
    run_dir="$sandbox_dir/run"
    if [ "${#run_dir}" -gt 90 ]; then
        run_dir=$(mktemp -d "${TMPDIR:-/tmp}/jira-bridge-sandbox.XXXXXX")
    fi
    mkdir -p "$run_dir"
    chmod 700 "$run_dir"

    bus_info=$(dbus-daemon --session --fork --print-address=1 --print-pid=1 --address="unix:dir=$run_dir") ||
        die "failed to start a private D-Bus session bus for the sandbox keyring"
    DBUS_SESSION_BUS_ADDRESS=$(printf '%s\n' "$bus_info" | sed -n 1p)
    bus_pid=$(printf '%s\n' "$bus_info" | sed -n 2p)
    export DBUS_SESSION_BUS_ADDRESS

    # --unlock with the password on stdin creates the `login` collection already unlocked,
    # so saving the token needs no prompt. Only this daemon gets the private
    # XDG_RUNTIME_DIR, because with the person's own it would find their running keyring
    # and unlock that one instead. Chromium keeps the real one, which Wayland needs.
    printf '%s' "$sandbox_keyring_password" |
        XDG_RUNTIME_DIR="$run_dir" gnome-keyring-daemon --unlock --components=secrets >/dev/null ||
        die "failed to start gnome-keyring-daemon for the sandbox"
}

# Starts the fake Jira and sets site, email and token from its banner.
sandbox_start_fake_jira() {
    "$root/target/release/fake-jira" sandbox --port 0 >"$sandbox_dir/fake-jira.out" 2>"$sandbox_dir/fake-jira.err" &
    fake_jira_pid=$!

    # The first stdout line is `fake-jira listening on URL`; the banner after it names the
    # sandbox account and token.
    site=""
    for _ in $(seq 1 100); do
        site=$(sed -n 's/^fake-jira listening on //p' "$sandbox_dir/fake-jira.out" | head -n 1)
        if [ -n "$site" ] && grep -q '^  API token:' "$sandbox_dir/fake-jira.out"; then
            break
        fi
        kill -0 "$fake_jira_pid" 2>/dev/null ||
            die "the fake Jira exited: $(cat "$sandbox_dir/fake-jira.err")"
        sleep 0.1
    done
    [ -n "$site" ] || die "the fake Jira did not report its address within 10 s"
    email=$(sed -n 's/^  Email: *//p' "$sandbox_dir/fake-jira.out" | head -n 1)
    token=$(sed -n 's/^  API token: *//p' "$sandbox_dir/fake-jira.out" | head -n 1)
}

# Opens the popup as a tab in the running sandbox Chromium. Chromium opens the tabs named
# on its command line before it has loaded an unpacked extension, so such a tab shows an
# error page. Wait instead until the extension's service worker is registered (Chromium
# keeps worker scripts in the profile's ScriptCache folder), then hand the address to the
# running Chromium through a second start with the same profile, which exits at once.
sandbox_open_popup() {
    script_cache="$profile/Default/Service Worker/ScriptCache"
    for _ in $(seq 1 100); do
        if [ -n "$(ls -A "$script_cache" 2>/dev/null)" ]; then
            break
        fi
        kill -0 "$chromium_pid" 2>/dev/null || return 0
        sleep 0.2
    done
    # NOTE: after the 20 s timeout the popup may still show an error page; reloading the
    # tab (F5) loads it once the extension is ready.
    "$chromium" "${chromium_options[@]}" "chrome-extension://anpegadfdelagnlbdnaabihagcgccfgl/popup.html" \
        >>"$sandbox_dir/chromium.log" 2>&1 || say "failed to open the popup as a tab; click the jira-bridge button in the toolbar instead"
}

sandbox_run() {
    # A sandbox killed before it could clean up leaves its folders; start from nothing.
    if [ -e "$sandbox_dir" ]; then
        say "deleting what an earlier sandbox left in $sandbox_dir"
        sandbox_remove_files
    fi
    mkdir -p "$sandbox_dir/config" "$sandbox_dir/data" "$sandbox_dir/cache"
    echo "$$" >"$sandbox_dir/sandbox.pid"
    trap sandbox_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP

    # From here on, the host, the keyring and Chromium see only the sandbox folders. The
    # sandbox serves plain http on 127.0.0.1, which the host accepts only with
    # JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK=1. A real site always needs https.
    export XDG_CONFIG_HOME="$sandbox_dir/config"
    export XDG_DATA_HOME="$sandbox_dir/data"
    export XDG_CACHE_HOME="$sandbox_dir/cache"
    export JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK=1

    sandbox_start_keyring
    sandbox_start_fake_jira
    say "fake Jira listening on $site"

    login_options=(--site "$site" --token-stdin)
    case "$email" in
        ""|"("*) ;;
        *) login_options+=(--email "$email") ;;
    esac
    printf '%s\n' "$token" | "$host" login "${login_options[@]}" >/dev/null ||
        die "connecting the host to the sandbox Jira failed; the error is above"

    profile="$sandbox_dir/chromium-profile"
    "$host" install --user-data-dir "$profile" --browser chromium >/dev/null ||
        die "registering the native host in the sandbox profile failed; the error is above"
    say "connected the host to the fake Jira and registered it in the sandbox profile only"

    chromium_options=(
        "--user-data-dir=$profile"
        "--load-extension=$extension"
        "--disable-extensions-except=$extension"
        --no-first-run
        --no-default-browser-check
        --password-store=basic
    )
    # Chromium refuses to run as root with its sandbox on.
    if [ "$(id -u)" = 0 ]; then
        say "running as root, so Chromium starts with --no-sandbox"
        chromium_options+=(--no-sandbox)
    fi

    say "starting Chromium; the popup opens in a tab once the extension has loaded"
    "$chromium" "${chromium_options[@]}" >"$sandbox_dir/chromium.log" 2>&1 &
    chromium_pid=$!
    sandbox_open_popup
    cat >&2 <<EOF

The sandbox is running. Chromium shows the jira-bridge popup as a tab (if it shows an
error page, reload it); the toolbar button (under the puzzle piece) opens the popup too.
The host is connected to the fake Jira:
  site   $site
  email  $email
Try filing an issue about a page in the project WEB (Website).
Close Chromium or press Ctrl+C here to stop the sandbox and delete its files.


EOF

    chromium_status=0
    wait "$chromium_pid" || chromium_status=$?
    chromium_pid=""
    if [ "$chromium_status" != 0 ]; then
        say "Chromium exited with status $chromium_status; the end of its output:"
        tail -n 20 "$sandbox_dir/chromium.log" >&2
    fi
}

if [ "$sandbox" = true ]; then
    # Checked before the build, so that on a machine that cannot run the sandbox the
    # script stops at once instead of after minutes of compiling.
    sandbox_check_requirements
fi

bash scripts/deps.sh --build

say "building the native host"
cargo build --release -p jira-bridge-host
host="$root/target/release/jira-bridge-host"

say "building the extension"
bash scripts/build-extension.sh --release >&2
extension="$root/dist/extension"
[ -f "$extension/manifest.json" ] || die "the extension build left no $extension/manifest.json"

if [ "$sandbox" = true ]; then
    say "building the fake Jira"
    cargo build --release -p fake-jira
    sandbox_run
    exit 0
fi

# --- install for the person's own browsers ---

install_report=$("$host" install "${install_options[@]+"${install_options[@]}"}")
printf '%s\n' "$install_report"

# The report names the copy that browsers start; it outlives this checkout.
installed=$(printf '%s\n' "$install_report" | sed -n 's/^  host binary  *//p' | head -n 1)
[ -n "$installed" ] || die "the install report names no host binary; run $host install --dry-run to see where it went"

system=false
for option in "${install_options[@]+"${install_options[@]}"}"; do
    [ "$option" = --system ] && system=true
done
if [ "$system" = true ]; then
    bin_dir=/usr/local/bin
else
    bin_dir="$HOME/.local/bin"
fi
link_path="$bin_dir/jira-bridge-host"

on_path=false
case ":$PATH:" in
    *":$bin_dir:"*) on_path=true ;;
esac

# Creates the link unless the folder or an existing file prevents it, and prints the reason
# when it does not. A link already there is replaced only when it points nowhere.
linked=false
if [ "$link" = false ]; then
    say "not linking jira-bridge-host into $bin_dir (--no-link)"
elif [ ! -d "$bin_dir" ] || [ "$on_path" = false ]; then
    say "not linking jira-bridge-host: $bin_dir is not a folder on PATH"
elif [ -L "$link_path" ] && [ "$(readlink "$link_path")" = "$installed" ]; then
    linked=true
elif [ -e "$link_path" ]; then
    say "not linking jira-bridge-host: $link_path already exists and is not a link to $installed"
else
    answer=y
    if [ -t 0 ]; then
        printf '%s' "Link jira-bridge-host into $bin_dir so that you can run it by name? [Y/n] " >&2
        read -r answer || answer=n
    fi
    case "$answer" in
        ""|y|Y|yes|Yes)
            ln -sfn "$installed" "$link_path"
            linked=true
            ;;
        *) say "not linking jira-bridge-host, as you chose" ;;
    esac
fi

echo
if [ "$linked" = true ]; then
    command_name=jira-bridge-host
    cat <<EOF
jira-bridge-host is on your PATH: $link_path links to
  $installed
EOF
else
    command_name=$(printf '%q' "$installed")
    cat <<EOF
jira-bridge-host is not on your PATH. Run it by its full path:
  $installed
or add its folder to PATH (put this line in your shell's startup file, such as ~/.profile):
  export PATH="$(dirname "$installed"):\$PATH"
EOF
fi

cat <<EOF

Next, load the extension:
  Chrome, Chromium, Edge, Brave, Vivaldi, Opera:
    open chrome://extensions, turn on Developer mode, click "Load unpacked" and pick
    $extension
  Firefox, LibreWolf, Waterfox:
    open about:debugging#/runtime/this-firefox, click "Load Temporary Add-on" and pick
    $extension/manifest.json
Then open the jira-bridge popup and connect your Jira site with an API token, or run:
  $command_name login --site https://your-company.atlassian.net --email you@example.com
To remove the native host again: scripts/uninstall.sh
EOF
