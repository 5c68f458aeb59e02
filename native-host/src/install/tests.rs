//! Install and uninstall tests in fake home folders, one per platform layout. The expected
//! paths are written out here rather than computed with the code under test.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde_json::{json, Value};
use tempfile::TempDir;

use super::apply::{self, Removal, Selection};
use super::browsers::{Browser, Scope};
use super::environment::{Environment, Os};
use super::manifest::{Callers, CHROME_EXTENSION_ID, FIREFOX_ADDON_ID};
use super::plan::{self, Plan, Request};
use super::receipt::Receipt;
use super::registry::{Hive, MemoryRegistry, NoRegistry};
use super::{InstallArgs, UninstallArgs};

const MANIFEST: &str = "com.jira_bridge.host.json";
const BINARY_BYTES: &[u8] = b"\x7fELF stand-in for the host binary\n";

/// A temporary machine: a home folder with a space in its name, a system root, and a
/// stand-in for the freshly built host binary.
struct Machine {
    _dir: TempDir,
    top: PathBuf,
    env: Environment,
    binary: PathBuf,
}

impl Machine {
    fn new(os: Os) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().to_path_buf();
        let home = top.join("fake home");
        let root = top.join("root");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(&root).unwrap();

        let binary = top.join("target").join(os.binary_name());
        fs::create_dir_all(binary.parent().unwrap()).unwrap();
        fs::write(&binary, BINARY_BYTES).unwrap();

        let mut env = Environment::for_home(os, &home);
        env.root = root;
        Machine {
            _dir: dir,
            top,
            env,
            binary,
        }
    }

    fn home(&self, relative: &str) -> PathBuf {
        self.env.home.join(relative)
    }

    fn root(&self, relative: &str) -> PathBuf {
        self.env.root.join(relative)
    }

    fn mkdir(&self, path: &Path) {
        fs::create_dir_all(path).unwrap();
    }

    fn touch(&self, path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Returns every file and folder under the machine, with file contents.
    fn snapshot(&self) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
        let mut entries = BTreeMap::new();
        let mut pending = vec![self.top.clone()];
        while let Some(dir) = pending.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    entries.insert(path.clone(), None);
                    pending.push(path);
                } else {
                    entries.insert(path.clone(), Some(fs::read(&path).unwrap()));
                }
            }
        }
        entries
    }
}

fn request(scope: Scope, browsers: &[Browser]) -> Request {
    Request {
        scope,
        browsers: browsers.to_vec(),
        user_data_dir: None,
        callers: Callers::with_extra(&[], &[]).unwrap(),
    }
}

fn install(machine: &Machine, request: &Request, registry: &mut MemoryRegistry) -> Plan {
    let plan = plan::plan(&machine.env, request).unwrap();
    apply::install(&plan, &machine.binary, registry).unwrap();
    plan
}

fn uninstall_all(machine: &Machine, scope: Scope, registry: &mut MemoryRegistry) -> Removal {
    apply::uninstall(
        &machine.env,
        scope,
        &Selection::Everything,
        &[],
        registry,
        false,
    )
    .unwrap()
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("expected a file at {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn registered(plan: &Plan) -> Vec<Browser> {
    plan.registrations
        .iter()
        .map(|entry| entry.browser)
        .collect()
}

/// Checks one manifest's every field for a host installed at `binary`.
fn assert_manifest(path: &Path, binary: &Path, firefox_family: bool) {
    let manifest = read_json(path);
    let where_ = path.display();

    assert_eq!(
        manifest["name"], "com.jira_bridge.host",
        "host name in {where_}"
    );
    assert_eq!(manifest["type"], "stdio", "transport in {where_}");
    assert_eq!(
        manifest["path"],
        binary.to_str().unwrap(),
        "absolute binary path in {where_}"
    );
    assert!(
        Path::new(manifest["path"].as_str().unwrap()).is_absolute(),
        "path is absolute in {where_}"
    );
    assert!(
        manifest["description"]
            .as_str()
            .is_some_and(|text| !text.is_empty()),
        "description in {where_}"
    );
    if firefox_family {
        assert_eq!(
            manifest["allowed_extensions"],
            json!([FIREFOX_ADDON_ID]),
            "add-on ids in {where_}"
        );
        assert!(
            manifest.get("allowed_origins").is_none(),
            "no allowed_origins in {where_}"
        );
    } else {
        assert_eq!(
            manifest["allowed_origins"],
            json!([format!("chrome-extension://{CHROME_EXTENSION_ID}/")]),
            "extension origins in {where_}"
        );
        assert!(
            manifest.get("allowed_extensions").is_none(),
            "no allowed_extensions in {where_}"
        );
    }
}

fn assert_binary_and_callers(binary: &Path, callers: &Path) {
    assert_eq!(
        fs::read(binary).unwrap(),
        BINARY_BYTES,
        "host binary copied to {}",
        binary.display()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(binary).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "installed binary is executable");
    }
    assert_eq!(
        read_json(callers),
        json!({"chromeExtensionIds": [CHROME_EXTENSION_ID], "firefoxAddonIds": [FIREFOX_ADDON_ID]}),
        "callers.json lists the built-in ids"
    );
}

/// Browser, the folder whose presence marks it installed, and the expected manifest folder,
/// all relative to the Linux home.
const LINUX_USER: [(Browser, &str, &str); 9] = [
    (
        Browser::Chrome,
        ".config/google-chrome",
        ".config/google-chrome/NativeMessagingHosts",
    ),
    (
        Browser::Chromium,
        ".config/chromium",
        ".config/chromium/NativeMessagingHosts",
    ),
    (
        Browser::Edge,
        ".config/microsoft-edge",
        ".config/microsoft-edge/NativeMessagingHosts",
    ),
    (
        Browser::Brave,
        ".config/BraveSoftware/Brave-Browser",
        ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
    ),
    (
        Browser::Vivaldi,
        ".config/vivaldi",
        ".config/vivaldi/NativeMessagingHosts",
    ),
    (
        Browser::Opera,
        ".config/opera",
        ".config/opera/NativeMessagingHosts",
    ),
    (
        Browser::Firefox,
        ".mozilla/firefox",
        ".mozilla/native-messaging-hosts",
    ),
    (
        Browser::Librewolf,
        ".librewolf",
        ".librewolf/native-messaging-hosts",
    ),
    (
        Browser::Waterfox,
        ".waterfox",
        ".waterfox/native-messaging-hosts",
    ),
];

#[test]
fn linux_user_install_every_browser() {
    let machine = Machine::new(Os::Linux);
    for (_, profile, _) in LINUX_USER {
        machine.mkdir(&machine.home(profile));
    }
    let before = machine.snapshot();
    let mut registry = MemoryRegistry::default();

    let plan = install(&machine, &request(Scope::User, &[]), &mut registry);

    assert_eq!(
        registered(&plan),
        Browser::ALL.to_vec(),
        "every present browser is registered"
    );
    assert!(
        plan.skipped.is_empty(),
        "nothing skipped: {:?}",
        plan.skipped
    );
    let binary = machine.home(".local/share/jira-bridge/bin/jira-bridge-host");
    for (browser, _, manifest_dir) in LINUX_USER {
        let path = machine.home(manifest_dir).join(MANIFEST);
        assert_manifest(&path, &binary, browser.family() == super::Family::Firefox);
    }
    assert_binary_and_callers(&binary, &machine.home(".config/jira-bridge/callers.json"));
    assert!(
        machine
            .home(".local/share/jira-bridge/install.json")
            .is_file(),
        "receipt written"
    );
    assert!(registry.values.is_empty(), "no registry writes on Linux");

    let removal = uninstall_all(&machine, Scope::User, &mut registry);

    assert!(
        removal.failed.is_empty(),
        "uninstall failures: {:?}",
        removal.failed
    );
    assert_eq!(
        machine.snapshot(),
        before,
        "uninstall leaves the machine as it was before install"
    );
}

#[test]
fn linux_system_install_uses_system_folders() {
    let machine = Machine::new(Os::Linux);
    for (_, profile, _) in LINUX_USER {
        machine.mkdir(&machine.home(profile));
    }
    let before = machine.snapshot();
    let mut registry = MemoryRegistry::default();

    let plan = install(&machine, &request(Scope::System, &[]), &mut registry);

    let expected = [
        (Browser::Chrome, "etc/opt/chrome/native-messaging-hosts"),
        (Browser::Chromium, "etc/chromium/native-messaging-hosts"),
        (Browser::Edge, "etc/opt/edge/native-messaging-hosts"),
        (Browser::Brave, "etc/brave/native-messaging-hosts"),
        (Browser::Firefox, "usr/lib/mozilla/native-messaging-hosts"),
    ];
    assert_eq!(
        registered(&plan),
        expected
            .iter()
            .map(|(browser, _)| *browser)
            .collect::<Vec<_>>(),
        "only browsers with a system folder are registered"
    );
    let binary = machine.root("usr/local/lib/jira-bridge/bin/jira-bridge-host");
    for (browser, dir) in expected {
        assert_manifest(
            &machine.root(dir).join(MANIFEST),
            &binary,
            browser == Browser::Firefox,
        );
    }
    let skipped: Vec<Browser> = plan.skipped.iter().map(|skip| skip.browser).collect();
    assert_eq!(
        skipped,
        vec![
            Browser::Vivaldi,
            Browser::Opera,
            Browser::Librewolf,
            Browser::Waterfox
        ],
        "browsers without a system folder are skipped"
    );
    assert!(
        plan.skipped
            .iter()
            .all(|skip| skip.reason.contains("install per user")),
        "skip reasons say what to do: {:?}",
        plan.skipped
    );

    let removal = uninstall_all(&machine, Scope::System, &mut registry);

    assert!(
        removal.failed.is_empty(),
        "uninstall failures: {:?}",
        removal.failed
    );
    assert_eq!(
        machine.snapshot(),
        before,
        "system uninstall leaves nothing behind"
    );
}

/// Browser, app bundle, and manifest folder relative to `~/Library/Application Support`.
const MACOS_USER: [(Browser, &str, &str); 9] = [
    (
        Browser::Chrome,
        "Google Chrome.app",
        "Google/Chrome/NativeMessagingHosts",
    ),
    (
        Browser::Chromium,
        "Chromium.app",
        "Chromium/NativeMessagingHosts",
    ),
    (
        Browser::Edge,
        "Microsoft Edge.app",
        "Microsoft Edge/NativeMessagingHosts",
    ),
    (
        Browser::Brave,
        "Brave Browser.app",
        "BraveSoftware/Brave-Browser/NativeMessagingHosts",
    ),
    (
        Browser::Vivaldi,
        "Vivaldi.app",
        "Vivaldi/NativeMessagingHosts",
    ),
    (
        Browser::Opera,
        "Opera.app",
        "com.operasoftware.Opera/NativeMessagingHosts",
    ),
    (
        Browser::Firefox,
        "Firefox.app",
        "Mozilla/NativeMessagingHosts",
    ),
    (
        Browser::Librewolf,
        "LibreWolf.app",
        "LibreWolf/NativeMessagingHosts",
    ),
    (
        Browser::Waterfox,
        "Waterfox.app",
        "Waterfox/NativeMessagingHosts",
    ),
];

#[test]
fn macos_user_install_every_browser() {
    let machine = Machine::new(Os::MacOs);
    for (_, bundle, _) in MACOS_USER {
        machine.mkdir(&machine.root("Applications").join(bundle));
    }
    let before = machine.snapshot();
    let mut registry = MemoryRegistry::default();

    let plan = install(&machine, &request(Scope::User, &[]), &mut registry);

    assert_eq!(
        registered(&plan),
        Browser::ALL.to_vec(),
        "every app bundle found is registered"
    );
    let support = machine.home("Library/Application Support");
    let binary = support.join("jira-bridge/bin/jira-bridge-host");
    for (browser, _, manifest_dir) in MACOS_USER {
        let path = support.join(manifest_dir).join(MANIFEST);
        assert_manifest(&path, &binary, browser.family() == super::Family::Firefox);
    }
    assert_binary_and_callers(&binary, &support.join("jira-bridge/callers.json"));

    let removal = uninstall_all(&machine, Scope::User, &mut registry);

    assert!(
        removal.failed.is_empty(),
        "uninstall failures: {:?}",
        removal.failed
    );
    assert_eq!(
        machine.snapshot(),
        before,
        "uninstall leaves the machine as it was before install"
    );
}

#[test]
fn macos_system_install_uses_library_folders() {
    let machine = Machine::new(Os::MacOs);
    machine.mkdir(&machine.root("Applications/Google Chrome.app"));
    machine.mkdir(&machine.root("Applications/Microsoft Edge.app"));
    machine.mkdir(&machine.root("Applications/Firefox.app"));
    let mut registry = MemoryRegistry::default();

    let plan = install(&machine, &request(Scope::System, &[]), &mut registry);

    let binary = machine.root("Library/Application Support/jira-bridge/bin/jira-bridge-host");
    assert_eq!(
        registered(&plan),
        vec![Browser::Chrome, Browser::Edge, Browser::Firefox],
        "browsers found"
    );
    assert_manifest(
        &machine
            .root("Library/Google/Chrome/NativeMessagingHosts")
            .join(MANIFEST),
        &binary,
        false,
    );
    assert_manifest(
        &machine
            .root("Library/Microsoft/Edge/NativeMessagingHosts")
            .join(MANIFEST),
        &binary,
        false,
    );
    assert_manifest(
        &machine
            .root("Library/Application Support/Mozilla/NativeMessagingHosts")
            .join(MANIFEST),
        &binary,
        true,
    );
}

/// Browser, executable relative to a program folder, and the registry key it reads.
const WINDOWS: [(Browser, &str, &str); 9] = [
    (
        Browser::Chrome,
        "Program Files/Google/Chrome/Application/chrome.exe",
        r"Software\Google\Chrome",
    ),
    (
        Browser::Chromium,
        "AppData/Local/Chromium/Application/chrome.exe",
        r"Software\Chromium",
    ),
    (
        Browser::Edge,
        "Program Files (x86)/Microsoft/Edge/Application/msedge.exe",
        r"Software\Microsoft\Edge",
    ),
    (
        Browser::Brave,
        "Program Files/BraveSoftware/Brave-Browser/Application/brave.exe",
        r"Software\Google\Chrome",
    ),
    (
        Browser::Vivaldi,
        "AppData/Local/Vivaldi/Application/vivaldi.exe",
        r"Software\Google\Chrome",
    ),
    (
        Browser::Opera,
        "AppData/Local/Programs/Opera/opera.exe",
        r"Software\Google\Chrome",
    ),
    (
        Browser::Firefox,
        "Program Files/Mozilla Firefox/firefox.exe",
        r"Software\Mozilla",
    ),
    (
        Browser::Librewolf,
        "Program Files/LibreWolf/librewolf.exe",
        r"Software\Mozilla",
    ),
    (
        Browser::Waterfox,
        "Program Files/Waterfox/waterfox.exe",
        r"Software\Mozilla",
    ),
];

fn windows_key(base: &str) -> String {
    format!(r"{base}\NativeMessagingHosts\com.jira_bridge.host")
}

#[test]
fn windows_user_install_writes_hkcu_keys() {
    let machine = Machine::new(Os::Windows);
    for (_, exe, _) in WINDOWS {
        machine.touch(&machine.home(exe), "MZ");
    }
    let before = machine.snapshot();
    let mut registry = MemoryRegistry::default();

    let plan = install(&machine, &request(Scope::User, &[]), &mut registry);

    assert_eq!(
        registered(&plan),
        Browser::ALL.to_vec(),
        "every installed browser is registered"
    );
    let base = machine.home("AppData/Roaming/jira-bridge");
    let binary = base.join("bin/jira-bridge-host.exe");
    let chromium_manifest = base.join("manifests/chromium.json");
    let firefox_manifest = base.join("manifests/firefox.json");
    let mut expected = BTreeMap::new();
    for (browser, _, key) in WINDOWS {
        let manifest = if browser.family() == super::Family::Firefox {
            &firefox_manifest
        } else {
            &chromium_manifest
        };
        expected.insert(
            (Hive::CurrentUser, windows_key(key)),
            manifest.to_str().unwrap().to_string(),
        );
    }
    assert_eq!(
        registry.values, expected,
        "one HKCU key per registry location, pointing at its manifest"
    );
    assert_manifest(&chromium_manifest, &binary, false);
    assert_manifest(&firefox_manifest, &binary, true);
    assert_binary_and_callers(
        &binary,
        &machine.home("AppData/Roaming/jira-bridge/callers.json"),
    );

    let removal = uninstall_all(&machine, Scope::User, &mut registry);

    assert!(
        removal.failed.is_empty(),
        "uninstall failures: {:?}",
        removal.failed
    );
    assert!(
        registry.values.is_empty(),
        "every key removed, left: {:?}",
        registry.values
    );
    assert_eq!(
        machine.snapshot(),
        before,
        "uninstall leaves no file behind"
    );
}

#[test]
fn windows_system_install_writes_hklm_keys() {
    let machine = Machine::new(Os::Windows);
    machine.touch(
        &machine.home("Program Files/Google/Chrome/Application/chrome.exe"),
        "MZ",
    );
    let mut registry = MemoryRegistry::default();

    install(&machine, &request(Scope::System, &[]), &mut registry);

    let manifest = machine.home("Program Files/jira-bridge/manifests/chromium.json");
    let expected = BTreeMap::from([(
        (Hive::LocalMachine, windows_key(r"Software\Google\Chrome")),
        manifest.to_str().unwrap().to_string(),
    )]);
    assert_eq!(
        registry.values, expected,
        "HKLM key for a system-wide install"
    );
    assert_manifest(
        &manifest,
        &machine.home("Program Files/jira-bridge/bin/jira-bridge-host.exe"),
        false,
    );

    uninstall_all(&machine, Scope::System, &mut registry);

    assert!(registry.values.is_empty(), "HKLM key removed");
}

#[test]
fn windows_shared_key_survives_partial_uninstall() {
    let machine = Machine::new(Os::Windows);
    let mut registry = MemoryRegistry::default();
    install(
        &machine,
        &request(Scope::User, &[Browser::Chrome, Browser::Brave]),
        &mut registry,
    );
    let key = (Hive::CurrentUser, windows_key(r"Software\Google\Chrome"));

    let selection = Selection::Owners(["chrome".to_string()].into());
    apply::uninstall(
        &machine.env,
        Scope::User,
        &selection,
        &[],
        &mut registry,
        false,
    )
    .unwrap();

    assert!(
        registry.values.contains_key(&key),
        "Brave still needs Chrome's key"
    );
    assert!(
        machine
            .home("AppData/Roaming/jira-bridge/manifests/chromium.json")
            .is_file(),
        "manifest kept"
    );

    let selection = Selection::Owners(["brave".to_string()].into());
    apply::uninstall(
        &machine.env,
        Scope::User,
        &selection,
        &[],
        &mut registry,
        false,
    )
    .unwrap();

    assert!(
        !registry.values.contains_key(&key),
        "key removed with its last browser"
    );
    assert!(
        !machine.home("AppData/Roaming/jira-bridge").exists(),
        "install folder removed"
    );
}

#[test]
fn windows_layout_refused_without_registry() {
    let machine = Machine::new(Os::Windows);
    let plan = plan::plan(&machine.env, &request(Scope::User, &[Browser::Edge])).unwrap();

    let result = apply::install(&plan, &machine.binary, &mut NoRegistry);

    assert!(
        result.is_err(),
        "a Windows layout cannot be applied without a registry"
    );
}

#[test]
fn no_browser_found_is_an_error() {
    let machine = Machine::new(Os::Linux);

    let error = plan::plan(&machine.env, &request(Scope::User, &[])).unwrap_err();

    let message = format!("{error:#}");
    assert!(
        message.contains("no browser"),
        "message names the problem: {message}"
    );
    assert!(
        message.contains("--browser"),
        "message names the way out: {message}"
    );
    assert!(
        message.contains(".config/chromium"),
        "message lists where it looked: {message}"
    );
}

#[test]
fn named_browser_registered_when_missing() {
    let machine = Machine::new(Os::Linux);
    let mut registry = MemoryRegistry::default();

    let plan = install(
        &machine,
        &request(Scope::User, &[Browser::Vivaldi]),
        &mut registry,
    );

    assert_eq!(
        registered(&plan),
        vec![Browser::Vivaldi],
        "only the named browser"
    );
    assert!(
        plan.skipped.is_empty(),
        "other browsers are not reported when one is named"
    );
    assert!(
        plan.registrations[0]
            .warnings
            .iter()
            .any(|w| w.contains("not found")),
        "the report says the browser was not found: {:?}",
        plan.registrations[0].warnings
    );
    assert!(
        machine
            .home(".config/vivaldi/NativeMessagingHosts")
            .join(MANIFEST)
            .is_file(),
        "manifest written"
    );
}

#[test]
fn snap_and_flatpak_only_browsers_skipped() {
    let machine = Machine::new(Os::Linux);
    machine.touch(&machine.root("snap/bin/chromium"), "");
    machine.mkdir(&machine.home(".var/app/com.brave.Browser"));
    machine.mkdir(&machine.root("var/lib/flatpak/app/org.mozilla.firefox"));
    machine.mkdir(&machine.home(".config/google-chrome"));

    let plan = plan::plan(&machine.env, &request(Scope::User, &[])).unwrap();

    assert_eq!(
        registered(&plan),
        vec![Browser::Chrome],
        "only the native browser is registered"
    );
    let reason = |browser: Browser| {
        plan.skipped
            .iter()
            .find(|skip| skip.browser == browser)
            .map(|skip| skip.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        reason(Browser::Chromium).contains("snap"),
        "snap Chromium reason: {}",
        reason(Browser::Chromium)
    );
    assert!(
        reason(Browser::Chromium).contains(".deb"),
        "snap advice says what to install"
    );
    assert!(
        reason(Browser::Brave).contains("Flatpak"),
        "Flatpak Brave reason: {}",
        reason(Browser::Brave)
    );
    assert!(
        reason(Browser::Firefox).contains("Flatpak"),
        "system Flatpak Firefox reason: {}",
        reason(Browser::Firefox)
    );
}

#[test]
fn snap_firefox_registered_with_warning() {
    let machine = Machine::new(Os::Linux);
    machine.touch(&machine.root("snap/bin/firefox"), "");

    let plan = plan::plan(&machine.env, &request(Scope::User, &[])).unwrap();

    assert_eq!(
        registered(&plan),
        vec![Browser::Firefox],
        "snap Firefox is registered"
    );
    assert!(
        plan.registrations[0]
            .warnings
            .iter()
            .any(|w| w.contains("portal")),
        "warning explains the portal: {:?}",
        plan.registrations[0].warnings
    );
}

#[test]
fn native_and_snap_copies_warn() {
    let mut machine = Machine::new(Os::Linux);
    let bin = machine.top.join("usr bin");
    machine.touch(
        &bin.join("chromium"),
        "#!/bin/sh\nexec /usr/lib/chromium/chromium \"$@\"\n",
    );
    machine.touch(
        &bin.join("chromium-browser"),
        "#!/bin/sh\nexec /snap/bin/chromium \"$@\"\n",
    );
    machine.env.path_dirs = vec![bin.clone()];

    let plan = plan::plan(&machine.env, &request(Scope::User, &[])).unwrap();

    assert_eq!(
        registered(&plan),
        vec![Browser::Chromium],
        "the native Chromium is registered"
    );
    let warnings = plan.registrations[0].warnings.join(" ");
    assert!(
        warnings.contains("chromium-browser"),
        "the snap wrapper is named: {warnings}"
    );
    assert!(
        !warnings.contains(&format!("{}:", bin.join("chromium").display())),
        "the native binary is not"
    );
}

#[test]
fn user_data_dir_install_and_uninstall() {
    let machine = Machine::new(Os::Linux);
    let profile = machine.top.join("sandbox profile");
    let mut registry = MemoryRegistry::default();
    let before = machine.snapshot();
    let mut custom = request(Scope::User, &[]);
    custom.user_data_dir = Some(profile.clone());

    let plan = install(&machine, &custom, &mut registry);

    let binary = machine.home(".local/share/jira-bridge/bin/jira-bridge-host");
    assert_eq!(
        registered(&plan),
        vec![Browser::Chromium],
        "Chromium is the default for a profile folder"
    );
    assert_manifest(
        &profile.join("NativeMessagingHosts").join(MANIFEST),
        &binary,
        false,
    );
    assert!(
        !machine.home(".config/chromium").exists(),
        "the default profile is untouched"
    );

    let removal = apply::uninstall(
        &machine.env,
        Scope::User,
        &Selection::Everything,
        &[],
        &mut registry,
        false,
    )
    .unwrap();

    assert!(
        removal.failed.is_empty(),
        "uninstall failures: {:?}",
        removal.failed
    );
    assert_eq!(
        machine.snapshot(),
        before,
        "profile registration removed with the rest"
    );
}

#[test]
fn user_data_dir_rejects_firefox() {
    let machine = Machine::new(Os::Linux);
    let mut custom = request(Scope::User, &[Browser::Firefox]);
    custom.user_data_dir = Some(machine.top.join("profile"));

    let error = plan::plan(&machine.env, &custom).unwrap_err();

    assert!(
        format!("{error}").contains("Firefox-based"),
        "error names the mismatch: {error}"
    );
}

#[test]
fn partial_uninstall_keeps_other_browsers() {
    let machine = Machine::new(Os::Linux);
    let before = machine.snapshot();
    let mut registry = MemoryRegistry::default();
    install(
        &machine,
        &request(Scope::User, &[Browser::Chrome, Browser::Firefox]),
        &mut registry,
    );
    let chrome = machine
        .home(".config/google-chrome/NativeMessagingHosts")
        .join(MANIFEST);
    let firefox = machine
        .home(".mozilla/native-messaging-hosts")
        .join(MANIFEST);
    let binary = machine.home(".local/share/jira-bridge/bin/jira-bridge-host");

    let selection = Selection::Owners(["chrome".to_string()].into());
    apply::uninstall(
        &machine.env,
        Scope::User,
        &selection,
        &[],
        &mut registry,
        false,
    )
    .unwrap();

    assert!(!chrome.exists(), "Chrome manifest removed");
    assert!(
        !machine.home(".config/google-chrome").exists(),
        "folders created for Chrome removed"
    );
    assert!(firefox.is_file(), "Firefox manifest kept");
    assert!(binary.is_file(), "binary kept while Firefox needs it");

    uninstall_all(&machine, Scope::User, &mut registry);

    assert_eq!(
        machine.snapshot(),
        before,
        "second uninstall removes the rest"
    );
}

#[test]
fn reinstall_records_each_write_once() {
    let machine = Machine::new(Os::Linux);
    let mut registry = MemoryRegistry::default();
    install(
        &machine,
        &request(Scope::User, &[Browser::Chromium]),
        &mut registry,
    );
    let receipt_path = machine.home(".local/share/jira-bridge/install.json");
    let first = Receipt::load(&receipt_path).unwrap();

    install(
        &machine,
        &request(Scope::User, &[Browser::Chromium]),
        &mut registry,
    );

    assert_eq!(
        Receipt::load(&receipt_path).unwrap(),
        first,
        "second install changes nothing in the receipt"
    );
    assert_eq!(
        first.artifacts.len(),
        3,
        "binary, callers.json and one manifest: {first:?}"
    );
}

#[test]
fn uninstall_finds_manifests_without_receipt() {
    let machine = Machine::new(Os::Linux);
    let mut registry = MemoryRegistry::default();
    install(
        &machine,
        &request(Scope::User, &[Browser::Chrome]),
        &mut registry,
    );
    fs::remove_file(machine.home(".local/share/jira-bridge/install.json")).unwrap();
    let foreign = machine
        .home(".config/chromium/NativeMessagingHosts")
        .join(MANIFEST);
    machine.touch(
        &foreign,
        r#"{"name": "com.example.other", "path": "/bin/true"}"#,
    );
    let chrome = machine
        .home(".config/google-chrome/NativeMessagingHosts")
        .join(MANIFEST);

    let removal = uninstall_all(&machine, Scope::User, &mut registry);

    assert!(
        !chrome.exists(),
        "our manifest removed even without a receipt"
    );
    assert!(
        foreign.is_file(),
        "another program's file with the same name is kept"
    );
    assert!(
        removal.failed.is_empty(),
        "no failures: {:?}",
        removal.failed
    );
}

#[test]
fn dry_run_uninstall_removes_nothing() {
    let machine = Machine::new(Os::Linux);
    let mut registry = MemoryRegistry::default();
    install(
        &machine,
        &request(Scope::User, &[Browser::Chrome]),
        &mut registry,
    );
    let before = machine.snapshot();

    let removal = apply::uninstall(
        &machine.env,
        Scope::User,
        &Selection::Everything,
        &[],
        &mut registry,
        true,
    )
    .unwrap();

    assert_eq!(
        removal.removed.len(),
        3,
        "dry run lists binary, callers.json and manifest"
    );
    assert_eq!(
        machine.snapshot(),
        before,
        "dry run leaves every file in place"
    );
}

#[test]
fn extra_extension_ids_reach_manifest_and_callers() {
    let machine = Machine::new(Os::Linux);
    let extra = "bcdefghijklmnopabcdefghijklmnopa".to_string();
    let mut custom = request(Scope::User, &[Browser::Edge]);
    custom.callers = Callers::with_extra(std::slice::from_ref(&extra), &[]).unwrap();

    install(&machine, &custom, &mut MemoryRegistry::default());

    let manifest = read_json(
        &machine
            .home(".config/microsoft-edge/NativeMessagingHosts")
            .join(MANIFEST),
    );
    assert_eq!(
        manifest["allowed_origins"],
        json!([
            format!("chrome-extension://{CHROME_EXTENSION_ID}/"),
            format!("chrome-extension://{extra}/")
        ]),
        "one manifest carries both origins"
    );
    let callers = read_json(&machine.home(".config/jira-bridge/callers.json"));
    assert_eq!(
        callers["chromeExtensionIds"],
        json!([CHROME_EXTENSION_ID, extra]),
        "callers.json matches"
    );
}

#[derive(Parser, Debug)]
struct InstallCommand {
    #[command(flatten)]
    args: InstallArgs,
}

#[derive(Parser, Debug)]
struct UninstallCommand {
    #[command(flatten)]
    args: UninstallArgs,
}

#[test]
fn install_flags_parse() {
    let command = InstallCommand::try_parse_from([
        "install",
        "--browser",
        "chromium",
        "--browser",
        "librewolf",
        "--system",
        "--chrome-extension-id",
        "bcdefghijklmnopabcdefghijklmnopa",
        "--firefox-extension-id",
        "dev@example.org",
        "--home",
        "/tmp/h",
        "--dry-run",
        "--user-data-dir",
        "/tmp/profile",
    ])
    .unwrap();

    let args = command.args;
    assert_eq!(
        args.browsers,
        vec![Browser::Chromium, Browser::Librewolf],
        "repeated --browser"
    );
    assert!(args.system, "--system");
    assert_eq!(
        args.chrome_extension_ids,
        vec!["bcdefghijklmnopabcdefghijklmnopa"],
        "--chrome-extension-id"
    );
    assert_eq!(
        args.firefox_extension_ids,
        vec!["dev@example.org"],
        "--firefox-extension-id"
    );
    assert_eq!(args.home, Some(PathBuf::from("/tmp/h")), "--home");
    assert!(args.dry_run, "--dry-run");
    assert_eq!(
        args.user_data_dir,
        Some(PathBuf::from("/tmp/profile")),
        "--user-data-dir"
    );
    assert!(
        InstallCommand::try_parse_from(["install", "--browser", "netscape"]).is_err(),
        "unknown browser"
    );
}

#[test]
fn uninstall_flags_parse() {
    let command = UninstallCommand::try_parse_from([
        "uninstall",
        "--forget-secrets",
        "--browser",
        "edge",
        "--dry-run",
    ])
    .unwrap();

    assert!(command.args.forget_secrets, "--forget-secrets");
    assert_eq!(command.args.browsers, vec![Browser::Edge], "--browser");
    assert!(command.args.dry_run, "--dry-run");
}
