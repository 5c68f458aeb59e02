# Builds jira-bridge from this checkout on Windows and registers the native host with the
# browsers found (registry keys under HKCU; pass -System for HKLM from an administrator
# shell), then prints how to load the extension.
#
# Usage: powershell -ExecutionPolicy Bypass -File scripts\install.ps1 [-System] [-Browser NAME[,NAME]]
# Needs Rust (rustup), the wasm32-unknown-unknown target, wasm-bindgen-cli at the version in
# Cargo.lock, and Git Bash for scripts\build-extension.sh.
param(
    [switch]$System,
    [string[]]$Browser = @()
)

$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot
Set-Location $root

function Fail([string]$message) {
    Write-Error "install.ps1: $message"
    exit 1
}

function Need([string]$command, [string]$hint) {
    if (-not (Get-Command $command -ErrorAction SilentlyContinue)) {
        Fail "$command is required but was not found. $hint"
    }
}

Need cargo 'Install Rust with rustup: https://rustup.rs'
Need rustup 'Install Rust with rustup: https://rustup.rs'
Need bash 'Install Git for Windows, which provides bash for scripts\build-extension.sh.'

if (-not (rustup target list --installed | Select-String -SimpleMatch 'wasm32-unknown-unknown')) {
    rustup target add wasm32-unknown-unknown
    if ($LASTEXITCODE -ne 0) { Fail 'rustup target add wasm32-unknown-unknown failed' }
}

Write-Host 'install.ps1: building the native host'
cargo build --release -p jira-bridge-host
if ($LASTEXITCODE -ne 0) { Fail 'building the native host failed' }

Write-Host 'install.ps1: building the extension'
bash scripts/build-extension.sh --release
if ($LASTEXITCODE -ne 0) { Fail 'building the extension failed' }

$installArgs = @('install')
if ($System) { $installArgs += '--system' }
foreach ($name in $Browser) { $installArgs += @('--browser', $name) }

& (Join-Path $root 'target\release\jira-bridge-host.exe') @installArgs
if ($LASTEXITCODE -ne 0) { Fail 'jira-bridge-host install failed' }

$extension = Join-Path $root 'dist\extension'
Write-Host @"

Next, load the extension:
  Chrome, Chromium, Edge, Brave, Vivaldi, Opera:
    open chrome://extensions (edge://extensions in Edge), turn on Developer mode,
    click "Load unpacked" and pick $extension
  Firefox, LibreWolf, Waterfox:
    open about:debugging#/runtime/this-firefox, click "Load Temporary Add-on" and pick
    $extension\manifest.json
To remove the native host again: %APPDATA%\jira-bridge\bin\jira-bridge-host.exe uninstall
"@
