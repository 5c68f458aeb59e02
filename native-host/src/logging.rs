//! Logs to stderr (the browser collects it) and to a file in the data folder that is
//! rotated at 1 MiB. Messages never contain a token: callers log sites, accounts and
//! request kinds, and Jira's text is scrubbed before it is logged.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Size at which `host.log` is renamed to `host.log.1` and a new file started.
const ROTATE_BYTES: u64 = 1024 * 1024;

/// Environment variable that sets the log level (`error`, `warn`, `info`, `debug`).
pub const LOG_LEVEL_ENV: &str = "JIRA_BRIDGE_LOG";

struct Logger {
    level: log::LevelFilter,
    file: Mutex<Option<(PathBuf, File)>>,
    to_stderr: bool,
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= self.level && metadata.target().starts_with("jira_bridge")
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let line = format!(
            "{}.{:03} jira-bridge-host[{}] {}: {}\n",
            now.as_secs(),
            now.subsec_millis(),
            std::process::id(),
            record.level(),
            record.args()
        );
        if self.to_stderr {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
        if let Ok(mut guard) = self.file.lock() {
            if let Some((path, file)) = guard.as_mut() {
                let _ = file.write_all(line.as_bytes());
                if file.metadata().map(|meta| meta.len() > ROTATE_BYTES).unwrap_or(false) {
                    if let Some(reopened) = rotate(path) {
                        *file = reopened;
                    }
                }
            }
        }
    }

    fn flush(&self) {}
}

fn rotate(path: &Path) -> Option<File> {
    let _ = std::fs::rename(path, path.with_extension("log.1"));
    open_log(path)
}

fn open_log(path: &Path) -> Option<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).ok()
}

/// Returns the log file's path: `host.log` in the data folder.
pub fn log_path() -> PathBuf {
    crate::config::data_dir().join("host.log")
}

/// Installs the logger. `to_stderr` is false for the person's commands, which print
/// their own messages.
pub fn init(to_stderr: bool) {
    let level = match std::env::var(LOG_LEVEL_ENV).as_deref() {
        Ok("error") => log::LevelFilter::Error,
        Ok("warn") => log::LevelFilter::Warn,
        Ok("debug") => log::LevelFilter::Debug,
        Ok("off") => log::LevelFilter::Off,
        _ => log::LevelFilter::Info,
    };
    let path = log_path();
    let file = path.parent().and_then(|dir| std::fs::create_dir_all(dir).ok()).and_then(|_| open_log(&path));
    let logger = Logger { level, file: Mutex::new(file.map(|file| (path, file))), to_stderr };
    if log::set_boxed_logger(Box::new(logger)).is_ok() {
        log::set_max_level(level);
    }

    // The default hook prints to stderr only; this one also reaches the log file.
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|place| format!("{}:{}", place.file(), place.line())).unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        log::error!("panic at {location}: {message}");
    }));
}
