//! Linux manifest folders and browser detection, including the snap and Flatpak builds
//! that cannot start a native host.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::browsers::{Browser, Packaging, Registration, Scope, Sighting};
use super::environment::Environment;

/// Per-user manifest folder. Chromium-based browsers use `<config>/<profile root>/
/// NativeMessagingHosts` and honour `XDG_CONFIG_HOME`; Gecko-based ones use a dot folder in
/// the home folder.
fn user_manifest_dir(browser: Browser, env: &Environment) -> PathBuf {
    let config = &env.config_dir;
    match browser {
        Browser::Firefox => env.home.join(".mozilla/native-messaging-hosts"),
        // NOTE: LibreWolf before version 120 read ~/.mozilla/native-messaging-hosts; a
        // person on such a build can install for firefox as well.
        Browser::Librewolf => env.home.join(".librewolf/native-messaging-hosts"),
        Browser::Waterfox => env.home.join(".waterfox/native-messaging-hosts"),
        _ => config
            .join(profile_root(browser))
            .join("NativeMessagingHosts"),
    }
}

/// Profile root of a Chromium-based browser, relative to the config folder.
fn profile_root(browser: Browser) -> &'static str {
    match browser {
        Browser::Chrome => "google-chrome",
        Browser::Chromium => "chromium",
        Browser::Edge => "microsoft-edge",
        Browser::Brave => "BraveSoftware/Brave-Browser",
        Browser::Vivaldi => "vivaldi",
        Browser::Opera => "opera",
        Browser::Firefox | Browser::Librewolf | Browser::Waterfox => {
            unreachable!("Gecko browsers have no Chromium profile root")
        }
    }
}

/// System-wide manifest folder, relative to `/`. Chrome, Chromium and Edge document theirs;
/// Firefox's is in MDN's native manifests page.
fn system_manifest_dir(browser: Browser) -> Option<&'static str> {
    match browser {
        Browser::Chrome => Some("etc/opt/chrome/native-messaging-hosts"),
        Browser::Chromium => Some("etc/chromium/native-messaging-hosts"),
        Browser::Edge => Some("etc/opt/edge/native-messaging-hosts"),
        // NOTE: Brave does not document this folder. It sits beside Brave's documented
        // policy folder /etc/brave/policies, as Chrome's does beside /etc/opt/chrome/policies.
        Browser::Brave => Some("etc/brave/native-messaging-hosts"),
        Browser::Firefox => Some("usr/lib/mozilla/native-messaging-hosts"),
        Browser::Vivaldi | Browser::Opera | Browser::Librewolf | Browser::Waterfox => None,
    }
}

pub(super) fn registration(browser: Browser, env: &Environment, scope: Scope) -> Registration {
    match scope {
        Scope::User => Registration::ManifestDir(user_manifest_dir(browser, env)),
        Scope::System => match system_manifest_dir(browser) {
            Some(dir) => Registration::ManifestDir(env.system_path(dir)),
            None => Registration::Unsupported(
                "this browser documents no system-wide manifest folder on Linux; install per user",
            ),
        },
    }
}

fn executables(browser: Browser) -> &'static [&'static str] {
    match browser {
        Browser::Chrome => &["google-chrome", "google-chrome-stable"],
        Browser::Chromium => &["chromium", "chromium-browser"],
        Browser::Edge => &["microsoft-edge", "microsoft-edge-stable"],
        Browser::Brave => &["brave-browser", "brave"],
        Browser::Vivaldi => &["vivaldi", "vivaldi-stable"],
        Browser::Opera => &["opera"],
        Browser::Firefox => &["firefox", "firefox-esr"],
        Browser::Librewolf => &["librewolf"],
        Browser::Waterfox => &["waterfox"],
    }
}

/// Folder a native build creates on first start.
fn profile_dir(browser: Browser, env: &Environment) -> PathBuf {
    match browser {
        Browser::Firefox => env.home.join(".mozilla/firefox"),
        Browser::Librewolf => env.home.join(".librewolf"),
        Browser::Waterfox => env.home.join(".waterfox"),
        _ => env.config_dir.join(profile_root(browser)),
    }
}

fn snap_name(browser: Browser) -> Option<&'static str> {
    match browser {
        Browser::Chromium => Some("chromium"),
        Browser::Brave => Some("brave"),
        Browser::Opera => Some("opera"),
        Browser::Firefox => Some("firefox"),
        _ => None,
    }
}

fn flatpak_ids(browser: Browser) -> &'static [&'static str] {
    match browser {
        Browser::Chrome => &["com.google.Chrome"],
        Browser::Chromium => &[
            "org.chromium.Chromium",
            "io.github.ungoogled_software.ungoogled_chromium",
        ],
        Browser::Edge => &["com.microsoft.Edge"],
        Browser::Brave => &["com.brave.Browser"],
        Browser::Vivaldi => &["com.vivaldi.Vivaldi"],
        Browser::Opera => &["com.opera.Opera"],
        Browser::Firefox => &["org.mozilla.firefox"],
        Browser::Librewolf => &["io.gitlab.librewolf-community"],
        Browser::Waterfox => &["net.waterfox.waterfox"],
    }
}

pub(super) fn detect(browser: Browser, env: &Environment) -> Vec<Sighting> {
    let mut sightings = Vec::new();

    for dir in &env.path_dirs {
        for name in executables(browser) {
            let candidate = dir.join(name);
            if !candidate.is_file() {
                continue;
            }
            let packaging = if launches_snap(&candidate) {
                Packaging::Snap
            } else {
                Packaging::Native
            };
            sightings.push(Sighting {
                packaging,
                path: candidate,
            });
        }
    }

    let profile = profile_dir(browser, env);
    if profile.is_dir() {
        sightings.push(Sighting {
            packaging: Packaging::Native,
            path: profile,
        });
    }

    if let Some(name) = snap_name(browser) {
        let snap = env.system_path("snap/bin").join(name);
        if snap.exists() {
            sightings.push(Sighting {
                packaging: Packaging::Snap,
                path: snap,
            });
        }
    }

    for id in flatpak_ids(browser) {
        let user_app = env.home.join(".var/app").join(id);
        let system_app = env.system_path("var/lib/flatpak/app").join(id);
        for path in [user_app, system_app] {
            if path.is_dir() {
                sightings.push(Sighting {
                    packaging: Packaging::Flatpak,
                    path,
                });
            }
        }
    }

    sightings.dedup();
    sightings
}

pub(super) fn searched_places(browser: Browser, env: &Environment) -> String {
    format!(
        "looked for {} on PATH and for {}",
        executables(browser).join(", "),
        profile_dir(browser, env).display()
    )
}

/// Returns whether an executable on PATH only starts a snap. Ubuntu ships `/usr/bin/firefox` and
/// `/usr/bin/chromium-browser` as small scripts that run `/snap/bin/...`, and
/// `/snap/bin/*` entries are links into snapd.
fn launches_snap(executable: &Path) -> bool {
    if let Ok(resolved) = fs::canonicalize(executable) {
        if resolved.starts_with("/snap") || resolved.file_name().is_some_and(|name| name == "snap")
        {
            return true;
        }
    }

    // A real browser binary is far larger than the head read here and never names the
    // snap path in it, so only wrapper scripts match.
    let mut head = Vec::with_capacity(4096);
    let read = fs::File::open(executable).and_then(|file| file.take(4096).read_to_end(&mut head));
    read.is_ok() && head.starts_with(b"#!") && contains(&head, b"/snap/bin/")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
