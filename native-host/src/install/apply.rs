//! Carries out a plan (copy the binary, write the allow-list and manifests, set registry
//! keys) and undoes it, recording every write in the install receipt.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use jira_bridge_protocol::NATIVE_HOST_NAME;

use super::browsers::{self, Browser, Registration, Scope};
use super::environment::Environment;
use super::manifest;
use super::plan::{manifest_file_name, user_data_dir_owner, Layout, Plan};
use super::receipt::{temporary_sibling, write_atomically, Receipt, Target};
use super::registry::Registry;

/// Carries out `plan`, copying the host binary from `source_binary`. Returns the receipt
/// as saved.
pub fn install(
    plan: &Plan,
    source_binary: &Path,
    registry: &mut dyn Registry,
) -> anyhow::Result<Receipt> {
    let layout = &plan.layout;
    let mut receipt = Receipt::load(&layout.receipt_path)?;
    let owners: Vec<&str> = plan
        .registrations
        .iter()
        .map(|entry| entry.owner.as_str())
        .collect();

    receipt.create_dir_all(&layout.base_dir)?;
    copy_binary(source_binary, &layout.binary_path, &mut receipt)?;
    for owner in &owners {
        receipt.add(
            Target::File {
                path: layout.binary_path.clone(),
            },
            owner,
        );
    }

    write_file(
        &layout.callers_path,
        plan.callers.to_json().as_bytes(),
        &mut receipt,
    )?;
    for owner in &owners {
        receipt.add(
            Target::File {
                path: layout.callers_path.clone(),
            },
            owner,
        );
    }

    for entry in &plan.registrations {
        let text = manifest::render(entry.browser.family(), &layout.binary_path, &plan.callers)?;
        write_file(&entry.manifest_path, text.as_bytes(), &mut receipt)?;
        receipt.add(
            Target::File {
                path: entry.manifest_path.clone(),
            },
            &entry.owner,
        );

        if let Some((hive, key)) = &entry.registry_key {
            let manifest_path = path_text(&entry.manifest_path)?;
            registry
                .set_default_value(*hive, key, manifest_path)
                .with_context(|| {
                    registry_hint(plan.scope, format!("failed to set {hive}\\{key}"))
                })?;
            receipt.add(
                Target::RegistryKey {
                    hive: *hive,
                    key: key.clone(),
                },
                &entry.owner,
            );
        }
    }

    receipt.save(&layout.receipt_path)?;
    Ok(receipt)
}

/// Registrations an uninstall removes.
#[derive(Debug, Clone)]
pub enum Selection {
    Everything,
    /// Only these owners (browser ids or `user-data-dir:<folder>`); shared files stay while
    /// another owner needs them.
    Owners(BTreeSet<String>),
}

impl Selection {
    fn includes(&self, owner: &str) -> bool {
        match self {
            Selection::Everything => true,
            Selection::Owners(owners) => owners.contains(owner),
        }
    }
}

/// Targets an uninstall removed, or would remove in a dry run.
#[derive(Debug, Default)]
pub struct Removal {
    pub removed: Vec<Target>,
    pub removed_dirs: Vec<PathBuf>,
    /// Targets that could not be removed, with the error; they stay in the receipt.
    pub failed: Vec<(Target, String)>,
}

/// Undoes earlier installs for `selection`. Besides the receipt's entries, it also removes
/// manifests named `com.jira_bridge.host` that it finds in the known places, so that an
/// install whose receipt was lost is still cleaned up.
pub fn uninstall(
    env: &Environment,
    scope: Scope,
    selection: &Selection,
    user_data_dirs: &[PathBuf],
    registry: &mut dyn Registry,
    dry_run: bool,
) -> anyhow::Result<Removal> {
    let layout = Layout::new(env, scope);
    let mut receipt = Receipt::load(&layout.receipt_path)?;
    find_unrecorded(
        env,
        scope,
        selection,
        user_data_dirs,
        registry,
        &mut receipt,
    );

    let mut removal = Removal::default();
    let mut kept = Vec::new();
    for mut artifact in std::mem::take(&mut receipt.artifacts) {
        artifact.owners.retain(|owner| !selection.includes(owner));
        if !artifact.owners.is_empty() {
            kept.push(artifact);
            continue;
        }
        if dry_run {
            removal.removed.push(artifact.target);
            continue;
        }
        match remove_target(&artifact.target, registry) {
            Ok(()) => removal.removed.push(artifact.target),
            Err(error) => {
                removal
                    .failed
                    .push((artifact.target.clone(), format!("{error:#}")));
                kept.push(artifact);
            }
        }
    }
    receipt.artifacts = kept;

    if dry_run {
        return Ok(removal);
    }

    // The receipt lives in a folder the install created, so it goes before the folders.
    if receipt.artifacts.is_empty() {
        remove_file_if_present(&layout.receipt_path)?;
    }
    removal.removed_dirs = remove_empty_dirs(&mut receipt);
    if !receipt.artifacts.is_empty() {
        receipt.save(&layout.receipt_path)?;
    }
    Ok(removal)
}

/// Adds to `receipt` the manifests and registry keys of selected browsers that exist but
/// were not recorded.
fn find_unrecorded(
    env: &Environment,
    scope: Scope,
    selection: &Selection,
    user_data_dirs: &[PathBuf],
    registry: &mut dyn Registry,
    receipt: &mut Receipt,
) {
    for browser in Browser::ALL {
        if !selection.includes(browser.id()) {
            continue;
        }
        match browsers::registration(browser, env, scope) {
            Registration::ManifestDir(dir) => {
                let path = dir.join(manifest_file_name());
                if is_our_manifest(&path) {
                    receipt.add(Target::File { path }, browser.id());
                }
            }
            Registration::RegistryKey { hive, key } => {
                if let Ok(Some(manifest_path)) = registry.default_value(hive, &key) {
                    receipt.add(Target::RegistryKey { hive, key }, browser.id());
                    let path = PathBuf::from(manifest_path);
                    if is_our_manifest(&path) {
                        receipt.add(Target::File { path }, browser.id());
                    }
                }
            }
            Registration::Unsupported(_) => {}
        }
    }

    for dir in user_data_dirs {
        let path = dir.join("NativeMessagingHosts").join(manifest_file_name());
        if is_our_manifest(&path) {
            receipt.add(Target::File { path }, &user_data_dir_owner(dir));
        }
    }
}

/// Returns whether `path` is a manifest for this host, so that uninstall never deletes a
/// same-named file of another program.
fn is_our_manifest(path: &Path) -> bool {
    let Ok(text) = fs::read_to_string(path) else {
        return false;
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    value.get("name").and_then(|name| name.as_str()) == Some(NATIVE_HOST_NAME)
}

fn remove_target(target: &Target, registry: &mut dyn Registry) -> anyhow::Result<()> {
    match target {
        Target::File { path } => match remove_file_if_present(path) {
            Err(error) if cfg!(windows) && is_running_binary(path) => {
                move_running_binary_aside(path).map_err(|_| error)
            }
            other => other,
        },
        Target::RegistryKey { hive, key } => registry
            .delete_key(*hive, key)
            .with_context(|| format!("failed to delete {hive}\\{key}")),
    }
}

fn is_running_binary(path: &Path) -> bool {
    std::env::current_exe().is_ok_and(|exe| same_file(&exe, path))
}

/// Windows refuses to delete a running program but lets it be renamed, so `uninstall` run
/// from the installed copy moves that copy into the temporary folder, which Windows cleans.
fn move_running_binary_aside(path: &Path) -> anyhow::Result<()> {
    let aside =
        std::env::temp_dir().join(format!("jira-bridge-host-{}.old.exe", std::process::id()));
    fs::rename(path, &aside)
        .with_context(|| format!("failed to move {} to {}", path.display(), aside.display()))
}

fn remove_file_if_present(path: &Path) -> anyhow::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("failed to delete {}", path.display())),
    }
}

/// Removes the recorded folders that are now empty, deepest first, and returns them.
/// A folder that still contains something (a log, another program's manifest) stays.
fn remove_empty_dirs(receipt: &mut Receipt) -> Vec<PathBuf> {
    let mut dirs = std::mem::take(&mut receipt.created_dirs);
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));

    let mut removed = Vec::new();
    for dir in dirs {
        if !dir.exists() {
            continue;
        }
        if fs::remove_dir(&dir).is_ok() {
            removed.push(dir);
        } else {
            receipt.created_dirs.push(dir);
        }
    }
    removed
}

fn write_file(path: &Path, bytes: &[u8], receipt: &mut Receipt) -> anyhow::Result<()> {
    let parent = path
        .parent()
        .with_context(|| format!("{} has no folder", path.display()))?;
    receipt.create_dir_all(parent)?;
    write_atomically(path, bytes)
}

/// Copies the running binary to its stable place, so the manifests' absolute path still
/// works after `cargo clean` or a move of the build folder.
fn copy_binary(source: &Path, destination: &Path, receipt: &mut Receipt) -> anyhow::Result<()> {
    let parent = destination
        .parent()
        .with_context(|| format!("{} has no folder", destination.display()))?;
    receipt.create_dir_all(parent)?;

    if same_file(source, destination) {
        return Ok(());
    }

    let temporary = temporary_sibling(destination);
    fs::copy(source, &temporary).with_context(|| {
        format!(
            "failed to copy the host binary {} to {}",
            source.display(),
            temporary.display()
        )
    })?;
    set_executable(&temporary)?;
    if let Err(error) = fs::rename(&temporary, destination) {
        let _ = fs::remove_file(&temporary);
        bail!(
            "failed to replace {}: {error}. If a browser is running the native host, close the \
             browser and run install again.",
            destination.display()
        );
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("failed to make {} executable", path.display()))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

fn path_text(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .with_context(|| format!("path {} is not valid UTF-8", path.display()))
}

fn registry_hint(scope: Scope, message: String) -> String {
    match scope {
        Scope::System => format!("{message}; a system-wide install needs an administrator shell"),
        Scope::User => message,
    }
}
