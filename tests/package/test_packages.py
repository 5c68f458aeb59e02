"""Checks the release packages that scripts/package.sh wrote to dist/package.

Each test opens one package and checks what the store or the user will see: the manifest
at the zip root, the files the manifest and the popup load, the manifest changes per store,
the host binary's architecture, and SHA256SUMS.

Run from the repository root after scripts/package.sh:
    python3 -m unittest discover -s tests/package -v
Environment: JIRA_BRIDGE_PACKAGE_DIR  folder of the packages (default: dist/package)
"""

import hashlib
import json
import os
import platform
import re
import stat
import subprocess
import tarfile
import tempfile
import unittest
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(os.environ.get("JIRA_BRIDGE_PACKAGE_DIR", ROOT / "dist" / "package"))
SOURCE_MANIFEST = json.loads((ROOT / "extension" / "manifest.json").read_text())
VERSION = SOURCE_MANIFEST["version"]
FIREFOX_ADDON_ID = "jira-bridge@jira-bridge.dev"

# ELF e_machine values (from the System V ABI supplements) for the Linux targets packaged.
ELF_MACHINE = {"x86_64": 62, "aarch64": 183}


def read_zip(path):
    """Return the names and the parsed manifest.json of the extension zip at `path`."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    return names, manifest


def manifest_files(manifest):
    """Return the package paths that the manifest itself names."""
    files = set(manifest.get("icons", {}).values())
    action = manifest.get("action", {})
    files.update(action.get("default_icon", {}).values())
    if "default_popup" in action:
        files.add(action["default_popup"])
    background = manifest.get("background", {})
    if "service_worker" in background:
        files.add(background["service_worker"])
    files.update(background.get("scripts", []))
    return files


class ExtensionZipChecks:
    """Checks shared by the Chrome and Firefox zips. Each subclass sets `path`."""

    path = None

    def setUp(self):
        self.assertTrue(self.path.is_file(), f"{self.path} is missing: run scripts/package.sh")
        self.names, self.manifest = read_zip(self.path)

    def test_manifest_at_zip_root(self):
        self.assertIn("manifest.json", self.names)

    def test_names_are_relative_files(self):
        for name in self.names:
            self.assertFalse(name.startswith("/"), f"absolute path in zip: {name}")
            self.assertNotIn("..", name.split("/"), f"parent folder in zip path: {name}")
            self.assertFalse(name.endswith("/"), f"folder entry in zip: {name}")

    def test_manifest_version_matches(self):
        self.assertEqual(self.manifest["version"], VERSION)

    def test_manifest_files_present(self):
        for name in sorted(manifest_files(self.manifest)):
            self.assertIn(name, self.names, f"the manifest names {name}, which the zip lacks")

    def test_popup_files_present(self):
        for name in ("popup.js", "popup.css", "pkg/jira_bridge_popup.js", "pkg/jira_bridge_popup_bg.wasm"):
            self.assertIn(name, self.names, f"the popup loads {name}, which the zip lacks")

    def test_wasm_module_valid(self):
        with zipfile.ZipFile(self.path) as archive:
            module = archive.read("pkg/jira_bridge_popup_bg.wasm")
        self.assertEqual(module[:4], b"\0asm", "the popup module lacks the WebAssembly magic number")


class ChromeZipTest(ExtensionZipChecks, unittest.TestCase):
    path = PACKAGE_DIR / f"jira-bridge-chrome-{VERSION}.zip"

    def test_key_removed(self):
        self.assertNotIn("key", self.manifest, "the Chrome Web Store rejects uploads whose manifest has a key")

    def test_only_key_changed(self):
        expected = {name: value for name, value in SOURCE_MANIFEST.items() if name != "key"}
        self.assertEqual(self.manifest, expected)


class FirefoxZipTest(ExtensionZipChecks, unittest.TestCase):
    path = PACKAGE_DIR / f"jira-bridge-firefox-{VERSION}.zip"

    def test_gecko_id_kept(self):
        gecko = self.manifest.get("browser_specific_settings", {}).get("gecko", {})
        self.assertEqual(gecko.get("id"), FIREFOX_ADDON_ID)

    def test_background_scripts_declared(self):
        self.assertTrue(self.manifest.get("background", {}).get("scripts"),
                        "Firefox runs background.scripts and ignores service_worker")

    def test_manifest_unchanged(self):
        self.assertEqual(self.manifest, SOURCE_MANIFEST)


class SourceArchiveTest(unittest.TestCase):
    def test_source_archive_has_build_inputs(self):
        path = PACKAGE_DIR / f"jira-bridge-source-{VERSION}.tar.gz"
        with tarfile.open(path) as archive:
            names = set(archive.getnames())
        prefix = f"jira-bridge-{VERSION}/"
        for name in ("Cargo.toml", "Cargo.lock", "extension/manifest.json", "scripts/build-extension.sh"):
            self.assertIn(prefix + name, names, f"the source archive lacks {name}")


class HostArchiveTest(unittest.TestCase):
    def setUp(self):
        self.archives = sorted(PACKAGE_DIR.glob(f"jira-bridge-host-{VERSION}-*.tar.gz"))

    def test_host_for_this_machine_present(self):
        machine = platform.machine()
        triples = [re.sub(rf"^jira-bridge-host-{re.escape(VERSION)}-|\.tar\.gz$", "", a.name) for a in self.archives]
        self.assertIn(f"{machine}-unknown-linux-gnu", triples)

    def test_archive_layout_and_architecture(self):
        self.assertTrue(self.archives, f"no host archive in {PACKAGE_DIR}")
        for path in self.archives:
            with self.subTest(archive=path.name):
                top = path.name.removesuffix(".tar.gz")
                architecture = top.split("-")[-4]
                with tarfile.open(path) as archive:
                    names = archive.getnames()
                    for name in names:
                        self.assertTrue(name == top or name.startswith(top + "/"), f"{name} is outside {top}/")
                    member = archive.getmember(f"{top}/jira-bridge-host")
                    self.assertTrue(member.mode & stat.S_IXUSR, "the host binary is not executable")
                    header = archive.extractfile(member).read(20)
                    self.assertIn(f"{top}/README.md", names)
                self.assertEqual(header[:4], b"\x7fELF", "the host binary is not an ELF file")
                machine = int.from_bytes(header[18:20], "little")
                self.assertEqual(machine, ELF_MACHINE[architecture], f"ELF machine {machine} for {architecture}")

    def test_host_binary_runs(self):
        machine = platform.machine()
        path = PACKAGE_DIR / f"jira-bridge-host-{VERSION}-{machine}-unknown-linux-gnu.tar.gz"
        with tempfile.TemporaryDirectory() as folder:
            with tarfile.open(path) as archive:
                archive.extractall(folder, filter="data")
            binary = Path(folder) / path.name.removesuffix(".tar.gz") / "jira-bridge-host"
            result = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), f"jira-bridge-host {VERSION}")


class ChecksumTest(unittest.TestCase):
    def test_sums_cover_every_package(self):
        lines = (PACKAGE_DIR / "SHA256SUMS").read_text().splitlines()
        listed = {}
        for line in lines:
            digest, name = line.split("  ", 1)
            listed[name] = digest
        packages = sorted(p.name for p in PACKAGE_DIR.iterdir() if p.name != "SHA256SUMS")
        self.assertEqual(sorted(listed), packages)
        for name in packages:
            digest = hashlib.sha256((PACKAGE_DIR / name).read_bytes()).hexdigest()
            self.assertEqual(listed[name], digest, f"SHA256SUMS has a stale digest for {name}")


if __name__ == "__main__":
    unittest.main()
