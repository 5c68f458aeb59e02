//! The install receipt: a JSON list of every file, registry key and folder an install
//! created, so that uninstall removes exactly those and nothing else.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::registry::Hive;

const RECEIPT_VERSION: u32 = 1;

/// Something an install wrote.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Target {
    File { path: PathBuf },
    RegistryKey { hive: Hive, key: String },
}

/// A written target and the registrations that need it. A target shared by several
/// browsers (the host binary, a Windows manifest, Chrome's registry key that Brave also
/// reads) is removed only when its last owner is uninstalled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    pub target: Target,
    pub owners: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub version: u32,
    pub artifacts: Vec<Artifact>,
    /// Folders that did not exist before the install created them; uninstall removes each
    /// one that is empty by then.
    pub created_dirs: Vec<PathBuf>,
}

impl Default for Receipt {
    fn default() -> Receipt {
        Receipt {
            version: RECEIPT_VERSION,
            artifacts: Vec::new(),
            created_dirs: Vec::new(),
        }
    }
}

impl Receipt {
    /// Reads the receipt at `path`; a missing file gives an empty receipt.
    pub fn load(path: &Path) -> anyhow::Result<Receipt> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Receipt::default()),
            Err(error) => {
                return Err(error).with_context(|| format!("failed to read {}", path.display()))
            }
        };
        serde_json::from_str(&text).with_context(|| {
            format!(
                "install receipt {} is not valid; delete it and run install again",
                path.display()
            )
        })
    }

    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(self).expect("receipts always serialize");
        text.push('\n');
        write_atomically(path, text.as_bytes())
    }

    /// Records that `owner` needs `target`.
    pub fn add(&mut self, target: Target, owner: &str) {
        match self
            .artifacts
            .iter_mut()
            .find(|artifact| artifact.target == target)
        {
            Some(artifact) => {
                artifact.owners.insert(owner.to_string());
            }
            None => self.artifacts.push(Artifact {
                target,
                owners: BTreeSet::from([owner.to_string()]),
            }),
        }
    }

    /// Creates `dir` and its missing parents, recording each folder it created.
    pub fn create_dir_all(&mut self, dir: &Path) -> anyhow::Result<()> {
        let missing: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
            .map(Path::to_path_buf)
            .collect();

        fs::create_dir_all(dir)
            .with_context(|| format!("failed to create folder {}", dir.display()))?;

        for created in missing.into_iter().rev() {
            if !self.created_dirs.contains(&created) {
                self.created_dirs.push(created);
            }
        }
        Ok(())
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so a
/// browser never reads a half-written manifest.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let temporary = temporary_sibling(path);
    fs::write(&temporary, bytes)
        .with_context(|| format!("failed to write {}", temporary.display()))?;
    fs::rename(&temporary, path).with_context(|| {
        let _ = fs::remove_file(&temporary);
        format!("failed to replace {}", path.display())
    })
}

/// Returns `.<name>.new` in the same folder as `path`.
pub fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.new"))
}
