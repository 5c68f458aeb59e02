//! Windows registry keys and browser detection. Browsers on Windows find a native host
//! through a registry key whose default value is the absolute path of its manifest file.

use std::path::PathBuf;

use jira_bridge_protocol::NATIVE_HOST_NAME;

use super::browsers::{Browser, Packaging, Registration, Scope, Sighting};
use super::environment::Environment;
use super::registry::Hive;

/// Registry key, below `HKCU` or `HKLM`, that lists native hosts for the browser.
///
/// Brave, Vivaldi and Opera read Chrome's key, and LibreWolf and Waterfox read Firefox's
/// (KeePassXC registers its host the same way). Two browsers that share a key also share
/// the manifest it points at, which is why one manifest carries every allowed id.
fn hosts_key(browser: Browser) -> &'static str {
    match browser {
        Browser::Chrome | Browser::Brave | Browser::Vivaldi | Browser::Opera => {
            r"Software\Google\Chrome\NativeMessagingHosts"
        }
        Browser::Chromium => r"Software\Chromium\NativeMessagingHosts",
        Browser::Edge => r"Software\Microsoft\Edge\NativeMessagingHosts",
        Browser::Firefox | Browser::Librewolf | Browser::Waterfox => {
            r"Software\Mozilla\NativeMessagingHosts"
        }
    }
}

pub(super) fn registration(browser: Browser, scope: Scope) -> Registration {
    let hive = match scope {
        Scope::User => Hive::CurrentUser,
        Scope::System => Hive::LocalMachine,
    };
    Registration::RegistryKey {
        hive,
        key: format!(r"{}\{}", hosts_key(browser), NATIVE_HOST_NAME),
    }
}

/// Executables the vendors' installers place, relative to a program folder.
fn executables(browser: Browser) -> &'static [&'static str] {
    match browser {
        Browser::Chrome => &[r"Google\Chrome\Application\chrome.exe"],
        Browser::Chromium => &[r"Chromium\Application\chrome.exe"],
        Browser::Edge => &[r"Microsoft\Edge\Application\msedge.exe"],
        Browser::Brave => &[r"BraveSoftware\Brave-Browser\Application\brave.exe"],
        Browser::Vivaldi => &[r"Vivaldi\Application\vivaldi.exe"],
        Browser::Opera => &[r"Programs\Opera\opera.exe", r"Opera\opera.exe"],
        Browser::Firefox => &[r"Mozilla Firefox\firefox.exe"],
        Browser::Librewolf => &[r"LibreWolf\librewolf.exe"],
        Browser::Waterfox => &[r"Waterfox\waterfox.exe"],
    }
}

fn candidates(browser: Browser, env: &Environment) -> Vec<PathBuf> {
    let roots = [
        &env.windows.program_files,
        &env.windows.program_files_x86,
        &env.windows.local_app_data,
    ];
    let mut places = Vec::new();
    for root in roots {
        for relative in executables(browser) {
            // Join component by component so the table's backslashes also work when tests
            // build a Windows layout on Linux or macOS.
            let mut path = root.clone();
            path.extend(relative.split('\\'));
            places.push(path);
        }
    }
    places
}

pub(super) fn detect(browser: Browser, env: &Environment) -> Vec<Sighting> {
    candidates(browser, env)
        .into_iter()
        .filter(|path| path.is_file())
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
