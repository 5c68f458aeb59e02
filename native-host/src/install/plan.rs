//! Decides what an install writes: which browsers get a manifest, where, and which are
//! skipped and why. Nothing here touches the disk except to look for browsers.

use std::path::{Path, PathBuf};

use anyhow::bail;
use jira_bridge_protocol::NATIVE_HOST_NAME;

use super::browsers::{self, Browser, Family, Packaging, Registration, Scope};
use super::environment::{Environment, Os};
use super::manifest::Callers;
use super::registry::Hive;

/// Install request, as parsed from the command line.
#[derive(Debug, Clone)]
pub struct Request {
    pub scope: Scope,
    /// Browsers named with `--browser`; empty means every browser found on the machine.
    pub browsers: Vec<Browser>,
    /// A custom Chromium profile folder (`--user-data-dir`).
    pub user_data_dir: Option<PathBuf>,
    pub callers: Callers,
}

/// One manifest registration an install performs.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRegistration {
    /// Name under which the receipt records this registration: the browser id, or
    /// `user-data-dir:<folder>` for a custom profile folder.
    pub owner: String,
    pub browser: Browser,
    pub manifest_path: PathBuf,
    /// On Windows, the registry key whose default value points at `manifest_path`.
    pub registry_key: Option<(Hive, String)>,
    /// Problems the person should know about, each a full sentence.
    pub warnings: Vec<String>,
}

/// A browser that gets no manifest, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub browser: Browser,
    pub reason: String,
}

/// Everything an install writes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scope: Scope,
    pub layout: Layout,
    pub callers: Callers,
    pub registrations: Vec<PlannedRegistration>,
    pub skipped: Vec<Skipped>,
}

/// The files an install owns apart from the browsers' manifests.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Folder holding the installed binary, the install receipt and (on Windows) the
    /// manifests that registry keys point at.
    pub base_dir: PathBuf,
    pub binary_path: PathBuf,
    pub receipt_path: PathBuf,
    /// The host's caller allow-list, `<config>/jira-bridge/callers.json`.
    pub callers_path: PathBuf,
}

impl Layout {
    pub fn new(env: &Environment, scope: Scope) -> Layout {
        let base_dir = match (scope, env.os) {
            (Scope::User, _) => env.data_dir.join("jira-bridge"),
            (Scope::System, Os::Linux) => env.system_path("usr/local/lib/jira-bridge"),
            (Scope::System, Os::MacOs) => {
                env.system_path("Library/Application Support/jira-bridge")
            }
            (Scope::System, Os::Windows) => env.windows.program_files.join("jira-bridge"),
        };

        Layout {
            binary_path: base_dir.join("bin").join(env.os.binary_name()),
            receipt_path: base_dir.join("install.json"),
            // NOTE: the host reads the allow-list from the per-user config folder, so a
            // system-wide install still writes it only for the account that ran install.
            callers_path: env.config_dir.join("jira-bridge").join("callers.json"),
            base_dir,
        }
    }

    /// Manifest file that Windows registry keys of `family` point at.
    pub fn windows_manifest(&self, family: Family) -> PathBuf {
        self.base_dir
            .join("manifests")
            .join(format!("{}.json", family.id()))
    }
}

/// File name every browser looks for.
pub fn manifest_file_name() -> String {
    format!("{NATIVE_HOST_NAME}.json")
}

/// Builds the plan for `request` on `env`.
pub fn plan(env: &Environment, request: &Request) -> anyhow::Result<Plan> {
    let layout = Layout::new(env, request.scope);

    let (registrations, skipped) = match &request.user_data_dir {
        Some(dir) => (vec![plan_user_data_dir(request, dir)?], Vec::new()),
        None => plan_browsers(env, request, &layout),
    };

    if registrations.is_empty() {
        let reasons: Vec<String> = skipped
            .iter()
            .map(|skip| format!("  {}: {}", skip.browser, skip.reason))
            .collect();
        bail!(
            "no browser to register the native host with:\n{}\nInstall a supported browser, or \
             name one with --browser NAME to register it anyway.",
            reasons.join("\n")
        );
    }

    Ok(Plan {
        scope: request.scope,
        layout,
        callers: request.callers.clone(),
        registrations,
        skipped,
    })
}

fn plan_user_data_dir(request: &Request, dir: &Path) -> anyhow::Result<PlannedRegistration> {
    if request.scope == Scope::System {
        bail!(
            "--user-data-dir and --system cannot be combined: a profile folder belongs to one user"
        );
    }
    if !dir.is_absolute() {
        bail!("--user-data-dir {} must be an absolute path", dir.display());
    }
    let browser = match request.browsers.as_slice() {
        [] => Browser::Chromium,
        [browser] if browser.family() == Family::Chromium => *browser,
        [browser] => bail!(
            "--user-data-dir is a Chromium profile folder, but --browser {browser} is Firefox-based"
        ),
        _ => bail!("--user-data-dir takes at most one --browser"),
    };

    Ok(PlannedRegistration {
        owner: user_data_dir_owner(dir),
        browser,
        manifest_path: dir.join("NativeMessagingHosts").join(manifest_file_name()),
        registry_key: None,
        warnings: Vec::new(),
    })
}

/// Receipt owner name of a registration in a custom profile folder.
pub fn user_data_dir_owner(dir: &Path) -> String {
    format!("user-data-dir:{}", dir.display())
}

fn plan_browsers(
    env: &Environment,
    request: &Request,
    layout: &Layout,
) -> (Vec<PlannedRegistration>, Vec<Skipped>) {
    let explicit = !request.browsers.is_empty();
    let candidates: Vec<Browser> = if explicit {
        let mut named = request.browsers.clone();
        named.sort();
        named.dedup();
        named
    } else {
        Browser::ALL.to_vec()
    };

    let mut registrations = Vec::new();
    let mut skipped = Vec::new();
    for browser in candidates {
        let (manifest_path, registry_key) =
            match browsers::registration(browser, env, request.scope) {
                Registration::ManifestDir(dir) => (dir.join(manifest_file_name()), None),
                Registration::RegistryKey { hive, key } => {
                    (layout.windows_manifest(browser.family()), Some((hive, key)))
                }
                Registration::Unsupported(reason) => {
                    skipped.push(Skipped {
                        browser,
                        reason: reason.to_string(),
                    });
                    continue;
                }
            };

        let sightings = browsers::detect(browser, env);
        let native = sightings
            .iter()
            .find(|sighting| sighting.packaging == Packaging::Native);
        let confined: Vec<_> = sightings
            .iter()
            .filter(|sighting| sighting.packaging != Packaging::Native)
            .collect();

        let mut warnings: Vec<String> = confined
            .iter()
            .map(|sighting| {
                format!(
                    "found at {}: {}",
                    sighting.path.display(),
                    browsers::confinement_advice(browser, &sighting.packaging)
                )
            })
            .collect();

        if explicit {
            if sightings.is_empty() {
                warnings.push(format!(
                    "{browser} was not found ({}); registered anyway because --browser named it.",
                    browsers::searched_places(browser, env)
                ));
            }
        } else if native.is_none() {
            match confined.first() {
                Some(first) if browsers::installs_when_confined(browser, &first.packaging) => {}
                Some(_) => {
                    skipped.push(Skipped {
                        browser,
                        reason: warnings.join(" "),
                    });
                    continue;
                }
                None => {
                    skipped.push(Skipped {
                        browser,
                        reason: format!("not found: {}", browsers::searched_places(browser, env)),
                    });
                    continue;
                }
            }
        }

        registrations.push(PlannedRegistration {
            owner: browser.id().to_string(),
            browser,
            manifest_path,
            registry_key,
            warnings,
        });
    }
    (registrations, skipped)
}
