//! macOS manifest folders and browser detection (app bundles and profile folders).

use std::path::PathBuf;

use super::browsers::{Browser, Packaging, Registration, Scope, Sighting};
use super::environment::Environment;

/// Folder under `~/Library/Application Support` that contains the browser's profiles; the
/// per-user manifest folder is `NativeMessagingHosts` inside it.
fn support_folder(browser: Browser) -> &'static str {
    match browser {
        Browser::Chrome => "Google/Chrome",
        Browser::Chromium => "Chromium",
        Browser::Edge => "Microsoft Edge",
        Browser::Brave => "BraveSoftware/Brave-Browser",
        Browser::Vivaldi => "Vivaldi",
        Browser::Opera => "com.operasoftware.Opera",
        Browser::Firefox => "Mozilla",
        Browser::Librewolf => "LibreWolf",
        Browser::Waterfox => "Waterfox",
    }
}

/// System-wide manifest folder, relative to `/`, for the browsers that document one.
fn system_manifest_dir(browser: Browser) -> Option<&'static str> {
    match browser {
        Browser::Chrome => Some("Library/Google/Chrome/NativeMessagingHosts"),
        Browser::Chromium => Some("Library/Application Support/Chromium/NativeMessagingHosts"),
        Browser::Edge => Some("Library/Microsoft/Edge/NativeMessagingHosts"),
        Browser::Firefox => Some("Library/Application Support/Mozilla/NativeMessagingHosts"),
        _ => None,
    }
}

fn app_bundle(browser: Browser) -> &'static str {
    match browser {
        Browser::Chrome => "Google Chrome.app",
        Browser::Chromium => "Chromium.app",
        Browser::Edge => "Microsoft Edge.app",
        Browser::Brave => "Brave Browser.app",
        Browser::Vivaldi => "Vivaldi.app",
        Browser::Opera => "Opera.app",
        Browser::Firefox => "Firefox.app",
        Browser::Librewolf => "LibreWolf.app",
        Browser::Waterfox => "Waterfox.app",
    }
}

fn application_support(env: &Environment) -> PathBuf {
    env.home.join("Library/Application Support")
}

pub(super) fn registration(browser: Browser, env: &Environment, scope: Scope) -> Registration {
    match scope {
        Scope::User => Registration::ManifestDir(
            application_support(env)
                .join(support_folder(browser))
                .join("NativeMessagingHosts"),
        ),
        Scope::System => match system_manifest_dir(browser) {
            Some(dir) => Registration::ManifestDir(env.system_path(dir)),
            None => Registration::Unsupported(
                "this browser documents no system-wide manifest folder on macOS; install per user",
            ),
        },
    }
}

/// Places whose presence shows the browser is installed. The `Mozilla` support folder also
/// contains other Mozilla apps' data, so for Firefox only the app bundles count.
fn candidates(browser: Browser, env: &Environment) -> Vec<PathBuf> {
    let mut places = vec![
        env.system_path("Applications").join(app_bundle(browser)),
        env.home.join("Applications").join(app_bundle(browser)),
    ];
    if browser != Browser::Firefox {
        places.push(application_support(env).join(support_folder(browser)));
    }
    places
}

pub(super) fn detect(browser: Browser, env: &Environment) -> Vec<Sighting> {
    candidates(browser, env)
        .into_iter()
        .filter(|path| path.is_dir())
        .map(|path| Sighting {
            packaging: Packaging::Native,
            path,
        })
        .collect()
}

pub(super) fn searched_places(browser: Browser, env: &Environment) -> String {
    let places: Vec<String> = candidates(browser, env)
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    format!("looked for {}", places.join(", "))
}
