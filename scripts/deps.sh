#!/usr/bin/env bash
# Installs what the build and the tests need on Debian 12: apt packages, Rust targets,
# wasm-bindgen-cli at the version in Cargo.lock, and the nightly toolchain and cargo-fuzz
# for the fuzz targets. It also installs the contract checker's Python packages and the npm
# packages of the browser tests and of the package lint (web-ext). Safe to run again: each
# step is skipped when its result is already present, and apt-get update runs only when a
# package is missing.
#
# Usage: scripts/deps.sh [--build]
#   --build  only what building the host and the extension needs (used by install.sh)
# Runs without questions: apt runs with -y, and sudo with -n when stdin is not a terminal.
set -eu

script_name=deps.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found. $2"
}

build_only=false
for argument in "$@"; do
    case "$argument" in
        --build) build_only=true ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $argument (expected --build)" ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Runs a command as root: directly when already root, else through sudo. sudo may ask for
# a password only when a person is at the terminal.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
    else
        die "installing system packages needs root, and sudo was not found. Run as root: $*"
    fi
}

is_debian() {
    [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1
}

# Installs the named apt packages that are missing, updating the package lists first only
# when something is missing.
apt_install_missing() {
    missing=""
    for package in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
        [ "$status" = "install ok installed" ] || missing="$missing $package"
    done
    if [ -z "$missing" ]; then
        say "apt packages present: $*"
        return
    fi
    say "installing apt packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    # shellcheck disable=SC2086 # the list is split on purpose
    as_root apt-get install -y -q --no-install-recommends $missing
}

# Adds the named rustup targets that are missing.
rustup_targets() {
    installed=$(rustup target list --installed)
    for target in "$@"; do
        if printf '%s\n' "$installed" | grep -qx "$target"; then
            continue
        fi
        say "adding Rust target $target"
        rustup target add "$target"
    done
}

# Installs wasm-bindgen-cli at the version of the wasm-bindgen crate in Cargo.lock: the CLI
# and the crate must match, or the generated JS glue does not fit the Wasm module.
install_wasm_bindgen() {
    version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
    [ -n "$version" ] || die "Cargo.lock names no wasm-bindgen package; run cargo generate-lockfile"

    if command -v wasm-bindgen >/dev/null 2>&1 &&
        [ "$(wasm-bindgen --version | awk '{ print $2 }')" = "$version" ]; then
        say "wasm-bindgen-cli $version present"
        return
    fi

    say "installing wasm-bindgen-cli $version (a few minutes on 2 cores)"
    if ! cargo install --locked --force wasm-bindgen-cli --version "$version"; then
        # wasm-bindgen-cli's own lock file can name a dependency version that is no longer
        # on crates.io; then only an unlocked build works.
        say "cargo install --locked failed; retrying without --locked, so its dependencies resolve to current versions"
        cargo install --force wasm-bindgen-cli --version "$version"
    fi
}

# Installs tests/contract/requirements.txt. Debian's own python3 refuses pip installs
# outside a virtual environment (PEP 668), so the flag that allows them is added there.
install_python_packages() {
    requirements=tests/contract/requirements.txt
    [ -f "$requirements" ] || { say "no $requirements yet; skipping Python packages"; return; }

    if ! python3 -m pip --version >/dev/null 2>&1; then
        is_debian || die "pip for python3 is missing; install it, then run $script_name again"
        apt_install_missing python3-pip
    fi

    pip_flags="--quiet --disable-pip-version-check --root-user-action=ignore"
    if python3 -c 'import sys, sysconfig, os; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)'; then
        pip_flags="$pip_flags --break-system-packages"
        [ "$(id -u)" = 0 ] || pip_flags="$pip_flags --user"
    fi
    say "installing Python packages from $requirements"
    # shellcheck disable=SC2086 # flags are split on purpose
    python3 -m pip install $pip_flags -r "$requirements"
}

# Runs npm ci in the folder $1 when its lock file is newer than the installed packages.
install_npm_packages() {
    folder=$1
    lock=$folder/package-lock.json
    [ -f "$lock" ] || { say "no $lock yet; skipping npm packages"; return; }
    need_cmd npm "Install Node.js 20 or later."

    stamp=$folder/node_modules/.package-lock.json
    if [ -f "$stamp" ] && [ ! "$lock" -nt "$stamp" ]; then
        say "npm packages in $folder are up to date"
        return
    fi
    say "installing npm packages in $folder"
    (cd "$folder" && npm ci --no-audit --no-fund)
}

# Installs the nightly toolchain and cargo-fuzz, which scripts/fuzz.sh needs: libFuzzer's
# sanitizer flags exist only on nightly.
install_fuzz_tools() {
    if rustup toolchain list | grep -q '^nightly'; then
        say "Rust nightly toolchain present"
    else
        say "installing the Rust nightly toolchain (minimal profile)"
        rustup toolchain install nightly --profile minimal
    fi

    if cargo fuzz --version >/dev/null 2>&1; then
        say "$(cargo fuzz --version) present"
        return
    fi
    say "installing cargo-fuzz (a few minutes on 2 cores)"
    if ! cargo install --locked cargo-fuzz; then
        # As for wasm-bindgen-cli: the published lock file can name a yanked dependency.
        say "cargo install --locked failed; retrying without --locked, so its dependencies resolve to current versions"
        cargo install cargo-fuzz
    fi
}

need_cmd cargo "Install Rust with rustup: https://rustup.rs"
need_cmd rustup "Install Rust with rustup: https://rustup.rs"

if is_debian; then
    build_packages="binaryen"
    # The browsers and the keyring the tests drive, the MinGW-w64 C compiler that ring's
    # build script needs for the Windows cross check, the C++ compiler that builds
    # libFuzzer for the fuzz targets, and zip for scripts/package.sh.
    test_packages="chromium firefox-esr gnome-keyring libsecret-tools dbus dbus-daemon gcc-mingw-w64-x86-64 g++ zip"
    if [ "$build_only" = true ]; then
        # shellcheck disable=SC2086
        apt_install_missing $build_packages
    else
        # shellcheck disable=SC2086
        apt_install_missing $build_packages $test_packages
        command -v node >/dev/null 2>&1 || apt_install_missing nodejs npm
    fi
else
    need_cmd wasm-opt "Install binaryen (macOS: brew install binaryen)."
    [ "$build_only" = true ] || say "not Debian: install Chromium, Firefox, gnome-keyring, dbus, Node.js, zip and a C++ compiler yourself"
fi

rustup_targets wasm32-unknown-unknown
install_wasm_bindgen
# Binaryen 132's wasm-opt for the popup: Debian 12's binaryen 108 breaks wasm-bindgen's
# output, so build-extension.sh skips any wasm-opt older than 110.
if command -v npm >/dev/null 2>&1 || [ "$build_only" = false ]; then
    install_npm_packages extension/popup
fi

if [ "$build_only" = false ]; then
    rustup_targets x86_64-pc-windows-msvc x86_64-pc-windows-gnu x86_64-apple-darwin aarch64-apple-darwin
    install_fuzz_tools
    install_python_packages
    install_npm_packages tests/browser
    install_npm_packages tests/package
fi

say "dependencies ready"
