#!/usr/bin/env bash
# Removes the native host's registrations, installed binary and caller allow-list, using
# the installed jira-bridge-host (or the one built in this checkout), and the link to it
# that install.sh made in ~/.local/bin or /usr/local/bin. Then lists what it kept: the
# settings file, the log and, without --forget-secrets, the saved tokens.
#
# Usage: scripts/uninstall.sh [UNINSTALL_OPTION...]
#   for example --browser firefox, --system, --forget-secrets (also delete saved tokens)
set -eu

script_name=uninstall.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }

forget_secrets=false
system=false
partial=false
for argument in "$@"; do
    case "$argument" in
        -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --forget-secrets) forget_secrets=true ;;
        --system) system=true ;;
        --browser|--browser=*|--user-data-dir|--user-data-dir=*) partial=true ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)

case "$(uname -s)" in
    Linux)
        config_dir="${XDG_CONFIG_HOME:-$HOME/.config}/jira-bridge"
        data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/jira-bridge"
        ;;
    Darwin)
        config_dir="$HOME/Library/Application Support/jira-bridge"
        data_dir=$config_dir
        ;;
    *) die "unsupported system $(uname -s): on Windows run jira-bridge-host.exe uninstall" ;;
esac
if [ "$system" = true ]; then
    case "$(uname -s)" in
        Linux) installed=/usr/local/lib/jira-bridge/bin/jira-bridge-host ;;
        Darwin) installed="/Library/Application Support/jira-bridge/bin/jira-bridge-host" ;;
    esac
    link_path=/usr/local/bin/jira-bridge-host
else
    installed="$data_dir/bin/jira-bridge-host"
    link_path="$HOME/.local/bin/jira-bridge-host"
fi

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

# Read before uninstall, so that the list of kept tokens names the sites. `status` reads
# only the settings file, never the credential store.
connected_sites=$("$scratch/jira-bridge-host" status 2>/dev/null |
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; break } }' || true)

"$scratch/jira-bridge-host" uninstall "$@"

# install.sh may have linked the binary into a folder on PATH. Remove the link only when
# it points at the binary that was just removed, which a partial uninstall keeps.
if [ "$partial" = false ] && [ -L "$link_path" ] && [ "$(readlink "$link_path")" = "$installed" ]; then
    rm -f "$link_path"
    echo "Removed the link $link_path."
fi

# A partial uninstall keeps the host for other browsers, so its files are still in use.
if [ "$partial" = true ]; then
    exit 0
fi

kept=()
[ -f "$config_dir/config.json" ] &&
    kept+=("settings (sites, default site, quick actions; no token): $config_dir/config.json")
for log in "$data_dir/host.log" "$data_dir/host.log.1"; do
    [ -f "$log" ] && kept+=("log: $log")
done
tokens_kept=false
if [ "$forget_secrets" = false ] && [ -n "$connected_sites" ]; then
    tokens_kept=true
fi

folders=()
for folder in "$config_dir" "$data_dir"; do
    if [ -d "$folder" ] && [ "${folders[0]:-}" != "$folder" ]; then
        folders+=("$folder")
    fi
done

echo
if [ "${#kept[@]}" -gt 0 ] || [ "$tokens_kept" = true ]; then
    echo "Kept:"
    for item in "${kept[@]+"${kept[@]}"}"; do
        echo "  $item"
    done
    if [ "$tokens_kept" = true ]; then
        echo "  the tokens of these sites, in the OS credential store:"
        printf '%s\n' "$connected_sites" | sed 's/^/    /'
        echo "To delete the tokens, run: scripts/uninstall.sh --forget-secrets"
        echo "  (before deleting the settings: it reads the list of sites from them)"
    fi
    if [ "${#kept[@]}" -gt 0 ] && [ "${#folders[@]}" -gt 0 ]; then
        echo "To delete the settings and the log: rm -rf$(printf ' %q' "${folders[@]}")"
    fi
fi
echo "A browser that is running keeps its jira-bridge-host process until you restart it."
