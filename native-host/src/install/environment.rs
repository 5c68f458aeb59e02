//! The folders an install reads and writes, gathered in one value so that tests can point
//! every path (home, system root, program folders) at a temporary directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};

/// The platform whose folder layout and registration method an install follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    /// Returns the platform this binary was built for, or `None` for one we do not support.
    pub fn current() -> Option<Os> {
        if cfg!(target_os = "linux") {
            Some(Os::Linux)
        } else if cfg!(target_os = "macos") {
            Some(Os::MacOs)
        } else if cfg!(windows) {
            Some(Os::Windows)
        } else {
            None
        }
    }

    /// File name of the host binary on this platform.
    pub fn binary_name(self) -> &'static str {
        match self {
            Os::Windows => "jira-bridge-host.exe",
            Os::Linux | Os::MacOs => "jira-bridge-host",
        }
    }
}

/// Windows folders used to find installed browsers and to place a system-wide install.
#[derive(Debug, Clone)]
pub struct WindowsDirs {
    /// `%ProgramFiles%`, for example `C:\Program Files`.
    pub program_files: PathBuf,
    /// `%ProgramFiles(x86)%`.
    pub program_files_x86: PathBuf,
    /// `%LOCALAPPDATA%`, where per-user browser installs live.
    pub local_app_data: PathBuf,
}

/// Every folder an install or uninstall touches.
#[derive(Debug, Clone)]
pub struct Environment {
    pub os: Os,
    pub home: PathBuf,
    /// The platform's per-user config folder (`$XDG_CONFIG_HOME`, `~/Library/Application
    /// Support`, `%APPDATA%`); the host reads `jira-bridge/callers.json` from it.
    pub config_dir: PathBuf,
    /// The platform's per-user data folder; the installed binary goes under it.
    pub data_dir: PathBuf,
    /// Prefix of system-wide paths such as `/etc/opt/chrome`: `/` in real use.
    pub root: PathBuf,
    /// Folders searched for browser executables (the `PATH`).
    pub path_dirs: Vec<PathBuf>,
    pub windows: WindowsDirs,
}

impl Environment {
    /// Reads the folders of the running system from the `dirs` crate and the environment.
    pub fn current() -> anyhow::Result<Environment> {
        let os = Os::current().ok_or_else(|| {
            anyhow!("this platform is not supported: install works on Linux, macOS and Windows")
        })?;
        let home = dirs::home_dir().context("the home folder could not be found; set HOME")?;
        let config_dir = dirs::config_dir().context("the config folder could not be found")?;
        let data_dir = dirs::data_dir().context("the data folder could not be found")?;
        let path_dirs = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect())
            .unwrap_or_default();

        let windows = WindowsDirs {
            program_files: env_dir("ProgramFiles", r"C:\Program Files"),
            program_files_x86: env_dir("ProgramFiles(x86)", r"C:\Program Files (x86)"),
            local_app_data: std::env::var_os("LOCALAPPDATA")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join("AppData").join("Local")),
        };

        Ok(Environment {
            os,
            config_dir,
            data_dir,
            root: PathBuf::from("/"),
            path_dirs,
            windows,
            home,
        })
    }

    /// Builds the layout of `os` with every per-user folder under `home`, as the platform
    /// defaults place them (XDG variables are ignored). System paths still start at `/`.
    pub fn for_home(os: Os, home: &Path) -> Environment {
        let (config_dir, data_dir) = match os {
            Os::Linux => (home.join(".config"), home.join(".local").join("share")),
            Os::MacOs => {
                let support = home.join("Library").join("Application Support");
                (support.clone(), support)
            }
            Os::Windows => {
                let roaming = home.join("AppData").join("Roaming");
                (roaming.clone(), roaming)
            }
        };

        Environment {
            os,
            home: home.to_path_buf(),
            config_dir,
            data_dir,
            root: PathBuf::from("/"),
            path_dirs: Vec::new(),
            windows: WindowsDirs {
                program_files: home.join("Program Files"),
                program_files_x86: home.join("Program Files (x86)"),
                local_app_data: home.join("AppData").join("Local"),
            },
        }
    }

    /// Joins a system path written without its leading `/` (`etc/opt/chrome`) to `root`.
    pub fn system_path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }
}

fn env_dir(name: &str, default: &str) -> PathBuf {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| OsString::from(default))
        .into()
}
