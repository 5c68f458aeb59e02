#!/usr/bin/env bash
# Builds the release packages from this checkout into dist/package:
#
#   jira-bridge-chrome-VERSION.zip           Chrome Web Store upload, without the manifest `key`
#   jira-bridge-firefox-VERSION.zip          addons.mozilla.org upload (AMO signs it)
#   jira-bridge-source-VERSION.tar.gz        the last commit's source and build scripts: AMO
#                                            requires the source of machine-generated code
#                                            such as the popup's Wasm
#   jira-bridge-host-VERSION-TRIPLE.tar.gz   the native host, release build, per Linux target
#   SHA256SUMS                               sha256sum -c format, for every file above
#
# VERSION is the version in extension/manifest.json, which must equal the version of the
# jira-bridge-host crate. The Firefox package is then checked with Mozilla's `web-ext lint`
# (npm ci in tests/package when missing): errors fail the script, warnings are printed.
#
# Usage: scripts/package.sh [--no-lint]
#   --no-lint  skip web-ext lint (for machines without Node.js)
# Side effect: dist/extension is rebuilt with the release profile (scripts/build-extension.sh).
set -eu

script_name=package.sh
say() { echo "$script_name: $*" >&2; }
die() { say "$*"; exit 1; }
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found. $2"
}

lint=true
for argument in "$@"; do
    case "$argument" in
        --no-lint) lint=false ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $argument (expected --no-lint)" ;;
    esac
done

[ "$(uname -s)" = Linux ] || die "the host binaries are built for Linux only, and this is $(uname -s)"

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need_cmd cargo "Install Rust with rustup: https://rustup.rs"
need_cmd rustc "Install Rust with rustup: https://rustup.rs"
need_cmd python3 "Install Python 3 (Debian: apt-get install python3)."
need_cmd zip "Install zip (Debian: apt-get install zip; scripts/deps.sh does this)."
need_cmd tar "Install GNU tar."
need_cmd gzip "Install gzip."
need_cmd sha256sum "Install GNU coreutils."
need_cmd git "Install git."

web_ext="$root/tests/package/node_modules/.bin/web-ext"
if [ "$lint" = true ]; then
    need_cmd node "Install Node.js 20 or later, or pass --no-lint."
    need_cmd npm "Install Node.js 20 or later, or pass --no-lint."
    if [ ! -x "$web_ext" ]; then
        say "installing web-ext in tests/package (npm ci)"
        (cd tests/package && npm ci --no-audit --no-fund)
    fi
    [ -x "$web_ext" ] || die "npm ci in tests/package installed no $web_ext; check tests/package/package.json"
fi

# --- version ---

manifest_version=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' extension/manifest.json)
crate_version=$(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
packages = json.load(sys.stdin)["packages"]
print(next(p["version"] for p in packages if p["name"] == "jira-bridge-host"))
')
if [ "$manifest_version" != "$crate_version" ]; then
    die "version mismatch: extension/manifest.json has $manifest_version but the jira-bridge-host crate has $crate_version. Set both to the release version (the crate takes it from [workspace.package] in Cargo.toml)"
fi
version=$manifest_version
say "packaging jira-bridge $version"

if [ -n "$(git status --porcelain -- extension native-host protocol manifests Cargo.toml Cargo.lock 2>/dev/null)" ]; then
    say "warning: extension/, native-host/, protocol/, manifests/ or Cargo.* have uncommitted changes; the packages contain them, but the source archive holds only the last commit"
fi

output="$root/dist/package"
rm -rf "$output"
mkdir -p "$output"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/jira-bridge-package.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Every file in the archives gets the last commit's time, and zip and tar get a sorted file
# list, so two builds of the same commit differ only where the compiled bytes differ.
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export TZ=UTC

# Zips the contents of folder $1 into the file $2, with manifest.json at the zip root.
zip_folder() {
    folder=$1
    archive=$2
    find "$folder" -exec touch -h -d "@$epoch" {} +
    (cd "$folder" && find . -type f | LC_ALL=C sort | sed 's|^\./||' | zip -q -X -D -9 "$archive" -@)
}

# Tars folder $2 inside folder $1 into the gzip file $3.
tar_folder() {
    parent=$1
    name=$2
    archive=$3
    tar -C "$parent" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
        -cf - "$name" | gzip -n -9 >"$archive"
}

# --- extension packages ---

say "building the release extension"
bash scripts/build-extension.sh --release >/dev/null
[ -f dist/extension/manifest.json ] || die "scripts/build-extension.sh left no dist/extension/manifest.json"

# The Chrome Web Store rejects an uploaded manifest that has a `key` field: the store gives
# the item its own key, and so its own extension id. The `key` in the source pins the id of
# unpacked development builds only.
chrome_dir="$scratch/chrome"
cp -R dist/extension "$chrome_dir"
python3 - "$chrome_dir/manifest.json" <<'EOF'
import json, sys
path = sys.argv[1]
with open(path) as file:
    manifest = json.load(file)
manifest.pop("key", None)
with open(path, "w") as file:
    json.dump(manifest, file, indent=2, ensure_ascii=False)
    file.write("\n")
EOF
chrome_zip="$output/jira-bridge-chrome-$version.zip"
zip_folder "$chrome_dir" "$chrome_zip"
say "built $chrome_zip (manifest without \"key\")"

# Firefox reads browser_specific_settings.gecko.id as the add-on id and ignores `key`, so
# the manifest is packaged as it is.
firefox_dir="$scratch/firefox"
cp -R dist/extension "$firefox_dir"
firefox_zip="$output/jira-bridge-firefox-$version.zip"
zip_folder "$firefox_dir" "$firefox_zip"
say "built $firefox_zip"

source_archive="$output/jira-bridge-source-$version.tar.gz"
git archive --format=tar --prefix="jira-bridge-$version/" HEAD | gzip -n -9 >"$source_archive"
say "built $source_archive from commit $(git rev-parse --short HEAD)"

# --- native host ---

# Packs the host binary built for triple $1 at path $2, with the README.
pack_host() {
    triple=$1
    binary=$2
    [ -x "$binary" ] || die "the build produced no $binary"
    name="jira-bridge-host-$version-$triple"
    mkdir -p "$scratch/$name"
    cp "$binary" README.md "$scratch/$name/"
    find "$scratch/$name" -exec touch -h -d "@$epoch" {} +
    tar_folder "$scratch" "$name" "$output/$name.tar.gz"
    say "built $output/$name.tar.gz"
}

host_triple=$(rustc -vV | sed -n 's/^host: //p')
say "building the native host for $host_triple (release)"
cargo build --release -p jira-bridge-host
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
pack_host "$host_triple" "$target_dir/release/jira-bridge-host"

# aarch64 is built only where its Rust target and a cross C compiler are already installed:
# ring, the TLS crypto library on Linux, compiles C for the target, and the same gcc links.
# NOTE: not run on the machine this script was written on, which has neither.
arm_triple=aarch64-unknown-linux-gnu
arm_gcc=aarch64-linux-gnu-gcc
if [ "$host_triple" = "$arm_triple" ]; then
    :
elif rustup target list --installed 2>/dev/null | grep -qx "$arm_triple" && command -v "$arm_gcc" >/dev/null 2>&1; then
    say "building the native host for $arm_triple (release)"
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=$arm_gcc \
        cargo build --release -p jira-bridge-host --target "$arm_triple"
    pack_host "$arm_triple" "$target_dir/$arm_triple/release/jira-bridge-host"
else
    say "skipping $arm_triple: it needs 'rustup target add $arm_triple' and the $arm_gcc cross compiler (Debian: apt-get install gcc-aarch64-linux-gnu)"
fi

(cd "$output" && find . -maxdepth 1 -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort \
    | xargs sha256sum >SHA256SUMS)
say "wrote $output/SHA256SUMS"

# --- web-ext lint ---

# Prints every error, warning and notice of web-ext's JSON report (read from stdin), then exits
# with status 1 when there are errors, or 2 when the report is not valid JSON.
report_lint() {
    python3 -c '
import json, sys
try:
    report = json.load(sys.stdin)
except ValueError as error:
    print("%s: web-ext lint wrote no valid JSON report: %s" % (sys.argv[1], error))
    sys.exit(2)
summary = report["summary"]
for kind in ("errors", "warnings", "notices"):
    for message in report.get(kind, []):
        # Schema errors (JSON_INVALID) carry no file, and their message names the manifest key.
        place = message.get("file", "")
        if place and message.get("line"):
            place += ":%s" % message["line"]
        label = " ".join(part for part in (kind[:-1], message["code"], place) if part)
        print("%s: %s: %s" % (sys.argv[1], label, message["message"]))
print("%s: web-ext lint: %d errors, %d warnings, %d notices"
      % (sys.argv[1], summary["errors"], summary["warnings"], summary["notices"]))
sys.exit(1 if summary["errors"] else 0)
' "$script_name" >&2
}

if [ "$lint" = true ]; then
    # The packages are for addons.mozilla.org, so the lint runs with AMO's rules (no
    # --self-hosted). It reads the unpacked Firefox zip, so it checks exactly what ships.
    lint_dir="$scratch/firefox-lint"
    mkdir -p "$lint_dir"
    (cd "$lint_dir" && python3 -m zipfile -e "$firefox_zip" .)
    say "running web-ext lint $("$web_ext" --version) on $firefox_zip"
    lint_status=0
    NO_UPDATE_NOTIFIER=1 "$web_ext" lint --source-dir "$lint_dir" --no-config-discovery \
        --output json >"$scratch/lint.json" 2>"$scratch/lint.err" || lint_status=$?
    report_status=0
    report_lint <"$scratch/lint.json" || report_status=$?
    if [ "$report_status" = 1 ]; then
        die "web-ext lint found errors in $firefox_zip (listed above)"
    fi
    if [ "$report_status" != 0 ] || [ "$lint_status" != 0 ]; then
        cat "$scratch/lint.err" >&2
        die "web-ext lint failed with exit status $lint_status"
    fi
else
    say "skipping web-ext lint (--no-lint)"
fi

say "packages ready in $output"
ls -l "$output" >&2
