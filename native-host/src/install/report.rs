//! The human-readable reports that `install` and `uninstall` print.

use std::io::{self, Write};

use super::apply::Removal;
use super::browsers::Scope;
use super::plan::Plan;
use super::receipt::Target;

/// Prints what an install wrote, or would write when `dry_run` is set.
pub fn write_install_report(out: &mut dyn Write, plan: &Plan, dry_run: bool) -> io::Result<()> {
    let scope = match plan.scope {
        Scope::User => "this user",
        Scope::System => "every user of this machine",
    };
    if dry_run {
        writeln!(
            out,
            "Dry run: nothing was written. An install for {scope} would write:"
        )?;
    } else {
        writeln!(out, "Installed the jira-bridge native host for {scope}.")?;
    }

    let layout = &plan.layout;
    writeln!(out, "  host binary      {}", layout.binary_path.display())?;
    writeln!(out, "  allowed callers  {}", layout.callers_path.display())?;
    writeln!(out, "  install receipt  {}", layout.receipt_path.display())?;

    writeln!(out, "Registered with:")?;
    for entry in &plan.registrations {
        match &entry.registry_key {
            Some((hive, key)) => writeln!(
                out,
                "  {:<10} {hive}\\{key} -> {}",
                entry.browser,
                entry.manifest_path.display()
            )?,
            None => writeln!(
                out,
                "  {:<10} {}",
                entry.browser,
                entry.manifest_path.display()
            )?,
        }
        for warning in &entry.warnings {
            writeln!(out, "             warning: {warning}")?;
        }
    }

    if !plan.skipped.is_empty() {
        writeln!(out, "Skipped:")?;
        for skipped in &plan.skipped {
            writeln!(out, "  {:<10} {}", skipped.browser, skipped.reason)?;
        }
    }

    if !dry_run {
        writeln!(
            out,
            "Restart the registered browsers so that they read the new manifest. Allowed \
             extension ids: {}; add-on ids: {}.",
            plan.callers.chrome_extension_ids.join(", "),
            plan.callers.firefox_addon_ids.join(", ")
        )?;
    }
    Ok(())
}

/// Prints what an uninstall removed, or would remove when `dry_run` is set.
pub fn write_uninstall_report(
    out: &mut dyn Write,
    removal: &Removal,
    dry_run: bool,
) -> io::Result<()> {
    if removal.removed.is_empty() && removal.failed.is_empty() {
        writeln!(
            out,
            "Nothing to remove: no jira-bridge native host registration was found."
        )?;
        return Ok(());
    }

    writeln!(
        out,
        "{}",
        if dry_run {
            "Dry run: an uninstall would remove:"
        } else {
            "Removed:"
        }
    )?;
    for target in &removal.removed {
        writeln!(out, "  {}", describe(target))?;
    }
    for dir in &removal.removed_dirs {
        writeln!(out, "  {} (empty folder)", dir.display())?;
    }
    if !removal.failed.is_empty() {
        writeln!(out, "Could not remove:")?;
        for (target, error) in &removal.failed {
            writeln!(out, "  {}: {error}", describe(target))?;
        }
    }
    Ok(())
}

fn describe(target: &Target) -> String {
    match target {
        Target::File { path } => path.display().to_string(),
        Target::RegistryKey { hive, key } => format!("{hive}\\{key}"),
    }
}
