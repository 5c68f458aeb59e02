//! The browsers the installer supports, their manifest family, and where each one looks for
//! native-host manifests on each platform. The per-platform tables live in `linux.rs`,
//! `macos.rs` and `windows.rs`; this file picks one by `Environment::os`.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::environment::{Environment, Os};
use super::registry::Hive;
use super::{linux, macos, windows};

/// A browser that can start the native host.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Browser {
    Chrome,
    Chromium,
    Edge,
    Brave,
    Vivaldi,
    Opera,
    Firefox,
    Librewolf,
    Waterfox,
}

impl Browser {
    pub const ALL: [Browser; 9] = [
        Browser::Chrome,
        Browser::Chromium,
        Browser::Edge,
        Browser::Brave,
        Browser::Vivaldi,
        Browser::Opera,
        Browser::Firefox,
        Browser::Librewolf,
        Browser::Waterfox,
    ];

    /// Returns the name accepted by `--browser` and written in the install receipt.
    pub fn id(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Chromium => "chromium",
            Browser::Edge => "edge",
            Browser::Brave => "brave",
            Browser::Vivaldi => "vivaldi",
            Browser::Opera => "opera",
            Browser::Firefox => "firefox",
            Browser::Librewolf => "librewolf",
            Browser::Waterfox => "waterfox",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Browser::Firefox | Browser::Librewolf | Browser::Waterfox => Family::Firefox,
            _ => Family::Chromium,
        }
    }
}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

/// The manifest dialect a browser reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Chromium-based browsers: callers listed as `allowed_origins`.
    Chromium,
    /// Gecko-based browsers: callers listed as `allowed_extensions`.
    Firefox,
}

impl Family {
    /// File stem of this family's manifest where one file serves several browsers (Windows).
    pub fn id(self) -> &'static str {
        match self {
            Family::Chromium => "chromium",
            Family::Firefox => "firefox",
        }
    }
}

/// Whether an install serves the current account or every account on the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    User,
    System,
}

/// Registration method through which a browser finds the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// The browser reads `<dir>/com.jira_bridge.host.json` (Linux, macOS).
    ManifestDir(PathBuf),
    /// The browser reads the default value of this registry key, which contains the absolute
    /// path of the manifest file (Windows).
    RegistryKey { hive: Hive, key: String },
    /// No known location for this browser at this scope; the text gives the reason.
    Unsupported(&'static str),
}

/// Returns where `browser` looks for the manifest on `env`'s platform at `scope`.
pub fn registration(browser: Browser, env: &Environment, scope: Scope) -> Registration {
    match env.os {
        Os::Linux => linux::registration(browser, env, scope),
        Os::MacOs => macos::registration(browser, env, scope),
        Os::Windows => windows::registration(browser, scope),
    }
}

/// Packaging of a browser build found on the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packaging {
    /// A build that can start a native host: a distribution package, an app bundle, an
    /// installer, or a profile folder left by one.
    Native,
    /// A snap: its confinement keeps it from starting programs outside the snap.
    Snap,
    /// A Flatpak: its sandbox keeps it from starting programs on the host.
    Flatpak,
}

/// One place where evidence of a browser build was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub packaging: Packaging,
    pub path: PathBuf,
}

/// Lists every build of `browser` found on the machine, native builds first.
pub fn detect(browser: Browser, env: &Environment) -> Vec<Sighting> {
    let mut sightings = match env.os {
        Os::Linux => linux::detect(browser, env),
        Os::MacOs => macos::detect(browser, env),
        Os::Windows => windows::detect(browser, env),
    };
    sightings.sort_by_key(|sighting| sighting.packaging != Packaging::Native);
    sightings
}

/// Places a `detect` call looked at, for the "not found" line of the report.
pub fn searched_places(browser: Browser, env: &Environment) -> String {
    match env.os {
        Os::Linux => linux::searched_places(browser, env),
        Os::MacOs => macos::searched_places(browser, env),
        Os::Windows => windows::searched_places(browser, env),
    }
}

/// Advice printed when a browser was found only as a snap or a Flatpak.
pub fn confinement_advice(browser: Browser, packaging: &Packaging) -> String {
    match (packaging, browser) {
        (Packaging::Snap, Browser::Firefox) => "Firefox from snap starts native hosts only \
            through the WebExtensions portal of xdg-desktop-portal. If the extension reports \
            that the native host is not installed, install Firefox from a .deb package or \
            the Mozilla tarball instead."
            .to_string(),
        (Packaging::Snap, _) => format!(
            "the {browser} snap cannot start native hosts because snap confinement blocks \
             programs outside the snap. Install {browser} from a .deb package or the \
             vendor's download, then run install again."
        ),
        (Packaging::Flatpak, _) => format!(
            "the {browser} Flatpak cannot start native hosts because its sandbox blocks \
             programs on the host. Install {browser} from a distribution package or the \
             vendor's download, then run install again."
        ),
        (Packaging::Native, _) => String::new(),
    }
}

/// Returns whether a browser found only in this packaging still gets a manifest by default.
/// Snap Firefox does, because the portal reads the usual per-user manifest folder.
pub fn installs_when_confined(browser: Browser, packaging: &Packaging) -> bool {
    matches!((browser, packaging), (Browser::Firefox, Packaging::Snap))
}
