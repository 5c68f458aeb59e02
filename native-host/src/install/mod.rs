//! Writes and removes the native-host manifests that let browsers start this binary.
//!
//! `install` copies the running binary to a stable per-user (or system) folder, writes the
//! host's caller allow-list, and registers one manifest per browser found on the machine.
//! On Linux and macOS a registration is a file in the browser's manifest folder. On Windows
//! it is a registry key that points at a manifest file. A receipt records every write, so `uninstall` removes exactly
//! what an install wrote.

mod apply;
mod browsers;
mod environment;
mod linux;
mod macos;
mod manifest;
mod plan;
mod receipt;
mod registry;
mod report;
mod windows;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

pub use apply::{Removal, Selection};
pub use browsers::{Browser, Family, Scope};
pub use environment::{Environment, Os};
pub use manifest::{Callers, CHROME_EXTENSION_ID, FIREFOX_ADDON_ID};
pub use registry::{Hive, MemoryRegistry, Registry};

/// Options of `jira-bridge-host install`.
#[derive(clap::Args, Debug)]
pub struct InstallArgs {
    /// Register with this browser only; repeat for several. Without it, every supported
    /// browser found on this machine is registered.
    #[arg(long = "browser", value_name = "NAME", value_enum)]
    pub browsers: Vec<Browser>,

    /// Install for every account on this machine (system folders, HKLM on Windows); needs
    /// root or an administrator shell.
    #[arg(long)]
    pub system: bool,

    /// Also allow this Chromium extension id, for example an unpacked build without the
    /// manifest key; repeat for several. The built-in id is always allowed.
    #[arg(long = "chrome-extension-id", value_name = "ID")]
    pub chrome_extension_ids: Vec<String>,

    /// Also allow this Firefox add-on id; repeat for several. The built-in id is always
    /// allowed.
    #[arg(long = "firefox-extension-id", value_name = "ID")]
    pub firefox_extension_ids: Vec<String>,

    /// Use DIR as the home folder: config and data folders are derived from it with the
    /// platform defaults, ignoring XDG variables. For tests.
    #[arg(long, value_name = "DIR", hide = true)]
    pub home: Option<PathBuf>,

    /// Print what would be written and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Register only in this Chromium profile folder (started with --user-data-dir=DIR),
    /// which Chromium reads as DIR/NativeMessagingHosts.
    #[arg(long, value_name = "DIR")]
    pub user_data_dir: Option<PathBuf>,
}

/// Options of `jira-bridge-host uninstall`.
#[derive(clap::Args, Debug)]
pub struct UninstallArgs {
    /// Remove the registration of this browser only; repeat for several. Without it,
    /// everything an install wrote is removed.
    #[arg(long = "browser", value_name = "NAME", value_enum)]
    pub browsers: Vec<Browser>,

    /// Remove a system-wide install instead of the per-user one.
    #[arg(long)]
    pub system: bool,

    /// Use DIR as the home folder, as for install. For tests.
    #[arg(long, value_name = "DIR", hide = true)]
    pub home: Option<PathBuf>,

    /// Print what would be removed and remove nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Also remove the registration in this Chromium profile folder; repeat for several.
    #[arg(long, value_name = "DIR")]
    pub user_data_dir: Vec<PathBuf>,

    /// Also delete every saved API token from the OS credential store.
    #[arg(long)]
    pub forget_secrets: bool,
}

/// Runs `install` and prints a report to stdout.
pub fn run_install(args: &InstallArgs) -> anyhow::Result<()> {
    let env = environment(args.home.as_deref())?;
    let request = plan::Request {
        scope: scope(args.system),
        browsers: args.browsers.clone(),
        user_data_dir: args.user_data_dir.as_deref().map(absolute).transpose()?,
        callers: Callers::with_extra(&args.chrome_extension_ids, &args.firefox_extension_ids)?,
    };

    let plan = plan::plan(&env, &request)?;
    let mut out = io::stdout().lock();
    if args.dry_run {
        report::write_install_report(&mut out, &plan, true)?;
        return Ok(());
    }

    let source = std::env::current_exe().context("failed to find the path of this program")?;
    let mut registry = registry::system_registry();
    apply::install(&plan, &source, registry.as_mut())
        .map_err(|error| with_sudo_hint(error, request.scope))?;
    report::write_install_report(&mut out, &plan, false)?;
    out.flush()?;
    Ok(())
}

/// Runs `uninstall` and prints a report to stdout. Deleting saved tokens for
/// `--forget-secrets` is left to the caller, which owns the credential store.
pub fn run_uninstall(args: &UninstallArgs) -> anyhow::Result<()> {
    let env = environment(args.home.as_deref())?;
    let user_data_dirs: Vec<PathBuf> = args
        .user_data_dir
        .iter()
        .map(|dir| absolute(dir))
        .collect::<anyhow::Result<_>>()?;

    let selection = if args.browsers.is_empty() && user_data_dirs.is_empty() {
        Selection::Everything
    } else {
        let mut owners: BTreeSet<String> =
            args.browsers.iter().map(|b| b.id().to_string()).collect();
        owners.extend(
            user_data_dirs
                .iter()
                .map(|dir| plan::user_data_dir_owner(dir)),
        );
        Selection::Owners(owners)
    };

    let scope = scope(args.system);
    let mut registry = registry::system_registry();
    let removal = apply::uninstall(
        &env,
        scope,
        &selection,
        &user_data_dirs,
        registry.as_mut(),
        args.dry_run,
    )
    .map_err(|error| with_sudo_hint(error, scope))?;

    let mut out = io::stdout().lock();
    report::write_uninstall_report(&mut out, &removal, args.dry_run)?;
    out.flush()?;
    if !removal.failed.is_empty() {
        bail!(
            "{} item(s) could not be removed; they stay in the install receipt, so fix the cause \
             and run uninstall again",
            removal.failed.len()
        );
    }
    Ok(())
}

fn scope(system: bool) -> Scope {
    if system {
        Scope::System
    } else {
        Scope::User
    }
}

/// Returns the running system's folders, with the per-user ones under `home` if given.
fn environment(home: Option<&Path>) -> anyhow::Result<Environment> {
    let mut env = Environment::current()?;
    if let Some(home) = home {
        let home = absolute(home)?;
        let derived = Environment::for_home(env.os, &home);
        env.home = derived.home;
        env.config_dir = derived.config_dir;
        env.data_dir = derived.data_dir;
    }
    Ok(env)
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("failed to resolve {}", path.display()))
}

fn with_sudo_hint(error: anyhow::Error, scope: Scope) -> anyhow::Error {
    let denied = error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io_error| io_error.kind() == io::ErrorKind::PermissionDenied)
    });
    match (scope, denied) {
        (Scope::System, true) => error.context(
            "permission denied: a system-wide install writes to system folders, so run it as \
             root (sudo) or from an administrator shell",
        ),
        _ => error,
    }
}
