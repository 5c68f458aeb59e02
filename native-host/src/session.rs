//! A native-messaging session: the browser started the host for a port or a one-shot
//! message. Stdout carries only frames; logs go to stderr and the log file.

use std::process::ExitCode;
use std::sync::Arc;

use crate::caller::Caller;
use crate::config::{config_dir, load_callers, ConfigFile};
use crate::credentials::OsStore;
use crate::host::Host;
use crate::jira::site_url::http_loopback_allowed;
use crate::server::{serve, SessionEnd};

/// Serves the browser until it closes the port, and returns the exit code.
pub fn run(caller: Caller) -> ExitCode {
    crate::logging::init(true);
    let refusal = caller.check(&load_callers(&config_dir())).err();
    match &refusal {
        Some(_) => log::warn!("started by {}, which is not in the allow-list; refusing every request", caller.describe()),
        None => log::info!("started by {}", caller.describe()),
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            log::error!("starting the async runtime failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let host = Arc::new(Host::new(ConfigFile::default_location(), Arc::new(OsStore), http_loopback_allowed()));
    let end = runtime.block_on(serve(host, tokio::io::stdin(), tokio::io::stdout(), refusal));
    // Pending blocking reads of stdin must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));

    match end {
        SessionEnd::Closed => {
            log::info!("the browser closed the port; exiting");
            ExitCode::SUCCESS
        }
        SessionEnd::Broken(reason) => {
            log::error!("exiting: {reason}");
            ExitCode::from(2)
        }
    }
}
